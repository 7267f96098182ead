import { closeSync, constants, createWriteStream, fstatSync, mkdirSync, openSync, readSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

const NEWLINE = 0x0a;

/** What tells one file from another on a machine: a path may come to name another. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** A log file opened for appending. */
export interface OpenLogFile extends FileIdentity {
  readonly stream: WriteStream;
  readonly fd: number;
  /** Bytes in the file when it was opened. */
  readonly size: number;
  /** The file ends inside a line (a write cut short by a full disk or a crash). */
  readonly endsMidLine: boolean;
}

/** The log path names a FIFO or a socket: writing to it would hang the supervisor while nobody reads. */
export class NotALogFileError extends Error {
  override name = 'NotALogFileError';
}

/**
 * Opens `filename` for appending without ever blocking: O_NONBLOCK, so that a FIFO at the
 * path with no reader fails at once (ENXIO) instead of freezing the supervisor in open(2),
 * and a FIFO or socket that does open is refused (NotALogFileError). A regular file or a
 * device (/dev/null, /dev/full) is taken. Returns the fd.
 */
export function openForAppend(filename: string): number {
  const fd = openSync(filename, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o666);
  let kind: string | undefined;
  try {
    const stats = fstatSync(fd);
    kind = stats.isFIFO() ? 'a FIFO' : stats.isSocket() ? 'a socket' : undefined;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (kind === undefined) return fd;
  closeSync(fd);
  throw new NotALogFileError(`it is ${kind}, not a file: writing would wait for a reader; stdout already has every line`);
}

/**
 * Opens `filename` for appending, making its folder first as `--log-file` does at start
 * (recursive, default mode), so that a deleted folder comes back. Synchronous: the file
 * must exist the moment the stream does, or a rotation that comes before an asynchronous
 * open would find nothing to rename. Throws the error of the mkdir or open.
 */
export function openLogFile(filename: string): OpenLogFile {
  mkdirSync(dirname(filename), { recursive: true });
  const fd = openForAppend(filename);
  try {
    const stats = fstatSync(fd, { bigint: true });
    const size = Number(stats.size);
    const endsMidLine = stats.isFile() && size > 0 && lastByte(filename, size) !== NEWLINE;
    return { stream: createWriteStream(filename, { fd }), fd, dev: stats.dev, ino: stats.ino, size, endsMidLine };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The identity of the file at `path` now; undefined when there is none (or it cannot be looked at). */
export function identityAt(path: string): FileIdentity | undefined {
  try {
    return statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    // ENOTDIR, EACCES: the path no longer leads to our file either.
    return undefined;
  }
}

/** True when the open file has no name left: every line written to it is lost. */
export function isUnlinked(file: OpenLogFile): boolean {
  try {
    return fstatSync(file.fd).nlink === 0;
  } catch {
    return true;
  }
}

/** The file's last byte; a newline when it cannot be read (nothing to mend that we can see). */
function lastByte(filename: string, size: number): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(filename, 'r');
    const byte = Buffer.alloc(1);
    return readSync(fd, byte, 0, 1, size - 1) === 1 ? byte[0] : NEWLINE;
  } catch {
    return NEWLINE;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
