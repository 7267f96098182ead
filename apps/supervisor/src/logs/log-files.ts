import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
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

/**
 * Opens a log file for reading; undefined when there is none by that name. Only a regular
 * file is read: it is opened O_NONBLOCK, so that a FIFO in its place cannot freeze `logs`.
 * With `owner` (the file came from another user's state file) it must belong to that user
 * and not be a symlink: root must not print a file that user could not read.
 */
export function openLog(path: string, owner?: number): OpenLog | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (owner === undefined ? 0 : constants.O_NOFOLLOW));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new LogFileReadError(path, new Error('it is a symlink, in a log file another user names'));
    throw new LogFileReadError(path, error);
  }
  try {
    const stats = fstatSync(fd);
    // A folder opens fine on Linux and fails only at the first read; say so at once.
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stats.isFile()) throw new Error(`it is not a regular file (${kindOf(stats)})`);
    if (owner !== undefined && stats.uid !== owner) throw new Error(`it belongs to uid ${stats.uid}, not to uid ${owner} whose supervisor names it`);
    return { fd, path, dev: stats.dev, ino: stats.ino };
  } catch (error) {
    closeSync(fd);
    throw new LogFileReadError(path, error);
  }
}

/** `a FIFO`, `a socket`, …: what is there instead of a log file. */
export function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSymbolicLink()) return 'a symlink';
  return stats.isDirectory() ? 'a folder' : 'not a file';
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
