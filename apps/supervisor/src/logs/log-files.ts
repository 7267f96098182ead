import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { LogFileReadError } from './errors.js';

/**
 * One open log file. A file is known by its device and inode, not its name: rotation
 * renames files under us, and an open descriptor keeps reading the same file after a
 * rename and even after the file is deleted.
 */
export interface OpenLog {
  readonly fd: number;
  /** The name it was opened by (it may have another by now). */
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** `app.log.1`, `app.log.2` …, as rotating-file.ts names them. */
export function rotatedPath(path: string, index: number): string {
  return `${path}.${index}`;
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/** Opens a log file for reading; undefined when there is none by that name. */
export function openLog(path: string): OpenLog | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LogFileReadError(path, error);
  }
  try {
    const stats = fstatSync(fd);
    // A folder opens fine on Linux and fails only at the first read; say so at once.
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { fd, path, dev: stats.dev, ino: stats.ino };
  } catch (error) {
    closeSync(fd);
    throw new LogFileReadError(path, error);
  }
}

export function closeLog(log: OpenLog): void {
  try {
    closeSync(log.fd);
  } catch {
    // Closed already: nothing is lost.
  }
}

/** The file's size now, whether it still has a name (a deleted file has none), and when it was last written. */
export function sizeOf(log: OpenLog): { size: number; linked: boolean; modifiedMs: number } {
  try {
    const stats = fstatSync(log.fd);
    return { size: stats.size, linked: stats.nlink > 0, modifiedMs: stats.mtimeMs };
  } catch (error) {
    throw new LogFileReadError(log.path, error);
  }
}

/** Who holds `path` now; undefined when nothing does (between a rotation's rename and create). */
export function identityAt(path: string): FileIdentity | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    throw new LogFileReadError(path, error);
  }
}

/** Reads up to `buffer.length` bytes at `position`; 0 at the end of the file. */
export function readAt(log: OpenLog, buffer: Buffer, position: number, length: number = buffer.length): number {
  try {
    return readSync(log.fd, buffer, 0, length, position);
  } catch (error) {
    throw new LogFileReadError(log.path, error);
  }
}
