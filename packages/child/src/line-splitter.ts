/** What a relayed line carries besides its text when it had to be cut. */
export interface LineCut {
  /** Length of the whole line in bytes, of which only the first `maxLineBytes` are kept. */
  readonly originalBytes: number;
}

export type LineHandler = (text: string, cut: LineCut | undefined) => void;

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into lines. Holds at most `maxLineBytes` of an unfinished line:
 * the rest of an overlong line is counted, not kept, so a child that writes a gigabyte
 * without a newline costs the supervisor 64 KiB. Lines are handed on in order, one call
 * each; the common case (a whole line inside one chunk) decodes straight from the chunk.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: LineHandler;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes of the current line seen so far, kept or not. */
  #lineBytes = 0;
  /** The kept part of the current line is full: later bytes are only counted. */
  #full = false;

  constructor(onLine: LineHandler, maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
  }

  /** Bytes held for the line not finished yet (never more than maxLineBytes). */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    const length = chunk.length;
    while (start < length) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.#append(chunk, start, length);
        return;
      }
      if (this.#lineBytes === 0 && newline - start <= this.#maxLineBytes) {
        const end = newline > start && chunk[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
        this.#onLine(chunk.toString('utf8', start, end), undefined);
      } else {
        this.#append(chunk, start, newline);
        this.#finishLine();
      }
      start = newline + 1;
    }
  }

  /** Hands on an unfinished last line, e.g. when the stream ends. */
  flush(): void {
    if (this.#lineBytes > 0) this.#finishLine();
  }

  #append(chunk: Buffer, start: number, end: number): void {
    this.#lineBytes += end - start;
    const room = this.#full ? 0 : this.#maxLineBytes - this.#pendingBytes;
    if (room <= 0 || end === start) return;
    let keepEnd = end;
    if (end - start > room) {
      keepEnd = start + room;
      // Cut at a character boundary: step back over UTF-8 continuation bytes.
      while (keepEnd > start && ((chunk[keepEnd] ?? 0) & 0xc0) === 0x80) keepEnd -= 1;
    }
    // Copy: the chunk may be a view into a pooled buffer that the stream reuses.
    const piece = Buffer.from(chunk.subarray(start, keepEnd));
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
    if (keepEnd < end) this.#full = true;
  }

  #finishLine(): void {
    const whole = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const lineBytes = this.#lineBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#lineBytes = 0;
    this.#full = false;
    const cut = lineBytes > whole.length ? { originalBytes: lineBytes } : undefined;
    let end = whole.length;
    if (cut === undefined && end > 0 && whole[end - 1] === CARRIAGE_RETURN) end -= 1;
    this.#onLine(whole.toString('utf8', 0, end), cut);
  }
}
