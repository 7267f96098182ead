import { readAt, type OpenLog } from './log-files.js';

/** How much is read at a time: a few hundred lines, and never a whole 10 MiB file. */
export const CHUNK_BYTES = 64 * 1024;

const NEWLINE = 0x0a;

/**
 * The lines of `log` before byte `end`, newest first, read backwards a chunk at a time so
 * that only the lines the caller keeps are held. Lines are cut as bytes and decoded whole,
 * so a character split across two chunks is not mangled. A newline at `end - 1` ends the
 * last line; it does not start an empty one.
 */
export function* linesBackward(log: OpenLog, end: number, chunkBytes: number = CHUNK_BYTES): Generator<string> {
  let position = end;
  // The bytes of the line being put together, in file order; a long line spans chunks.
  let pieces: Buffer[] = [];
  let first = true;
  while (position > 0) {
    const start = Math.max(0, position - chunkBytes);
    const chunk = readChunk(log, start, position - start);
    position = start;
    let lineEnd = chunk.length;
    for (let at = chunk.lastIndexOf(NEWLINE, lineEnd - 1); at !== -1; at = at === 0 ? -1 : chunk.lastIndexOf(NEWLINE, at - 1)) {
      const line = Buffer.concat([chunk.subarray(at + 1, lineEnd), ...pieces]);
      pieces = [];
      if (!first || line.length > 0) yield line.toString('utf8');
      first = false;
      lineEnd = at;
    }
    if (lineEnd > 0) pieces.unshift(chunk.subarray(0, lineEnd));
  }
  // The file's first line (no newline before it; empty when the file starts with one), unless the file is empty.
  if (pieces.length > 0 || !first) yield Buffer.concat(pieces).toString('utf8');
}

/**
 * Where the last complete line of `log` ends (just after its newline), looking back from
 * `size`; 0 when there is none. What follows it is a line still being written.
 */
export function lastLineEnd(log: OpenLog, size: number, chunkBytes: number = CHUNK_BYTES): number {
  let position = size;
  while (position > 0) {
    const start = Math.max(0, position - chunkBytes);
    const chunk = readChunk(log, start, position - start);
    const at = chunk.lastIndexOf(NEWLINE);
    if (at !== -1) return start + at + 1;
    position = start;
  }
  return 0;
}

/** Exactly `length` bytes at `start` (short only if the file shrank under us). */
function readChunk(log: OpenLog, start: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const read = readAt(log, buffer.subarray(filled), start + filled, length - filled);
    if (read === 0) break;
    filled += read;
  }
  return buffer.subarray(0, filled);
}
