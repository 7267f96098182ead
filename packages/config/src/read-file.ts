import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import type { Finding } from './findings.js';

/** A config file is a few kilobytes; a megabyte is plenty and still quick to parse on every reload. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type FileText = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly finding: Finding };

/**
 * Reads a config file (or another file a setting names, `what`) that is a regular file (a
 * symbolic link to one is fine) of at most MAX_CONFIG_BYTES. Anything else is refused
 * before it is read: a FIFO nobody writes to would block the supervisor for good (on
 * SIGHUP, with its child running), and /dev/zero would fill its memory.
 */
export function readConfigText(file: string, what = 'config file'): FileText {
  let fd: number | undefined;
  try {
    // Looked at before it is opened, since opening a device can do something by itself;
    // then the open descriptor decides, in case the path was swapped in between.
    const kind = notRegular(statSync(file));
    if (kind !== undefined) return refused(file, 'unreadable', `cannot read the ${what}: it is ${kind}, not a regular file`);
    // O_NONBLOCK: opening a FIFO waits for a writer unless told not to.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const stats = fstatSync(fd);
    const swapped = notRegular(stats);
    if (swapped !== undefined) return refused(file, 'unreadable', `cannot read the ${what}: it is ${swapped}, not a regular file`);
    if (stats.size > MAX_CONFIG_BYTES) return refused(file, 'too_big', tooBig(stats.size, what));
    // One byte more than the limit tells a file that grew since fstat from one that did not.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_CONFIG_BYTES) return refused(file, 'too_big', `${what} is more than the ${formatLimit()} limit`);
    return { ok: true, text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return refused(file, 'unreadable', `cannot read the ${what}: ${reasonOf(error)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function notRegular(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many symbolic links (a loop?)';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return code ?? String(error);
  }
}

/** "3.2 MiB", or the bytes when that would read "1.0 MiB" for a file just over the limit. */
function tooBig(size: number, what: string): string {
  const mib = (size / MAX_CONFIG_BYTES).toFixed(1);
  return mib === '1.0'
    ? `${what} is ${size.toLocaleString('en-US')} bytes, more than the ${formatLimit()} limit (${MAX_CONFIG_BYTES.toLocaleString('en-US')} bytes)`
    : `${what} is ${mib} MiB, more than the ${formatLimit()} limit`;
}

function formatLimit(): string {
  return `${MAX_CONFIG_BYTES / (1024 * 1024)} MiB`;
}

function refused(file: string, code: Finding['code'], what: string): FileText {
  return { ok: false, finding: { severity: 'error', code, message: `${file}: ${what}` } };
}
