import type { Readable } from 'node:stream';

/** Which part of a command's stream is kept, and how much of it; the rest is read and dropped. */
export interface KeepOutput {
  /**
   * 'head': the start, then `… (N more bytes not kept)` (a hook's output: what went wrong
   * first). 'tail': the end alone (an exec check's: its last line holds the number).
   */
  readonly part: 'head' | 'tail';
  readonly bytes: number;
}

/** A stream's kept part, as the stream is read. */
export interface KeptOutput {
  push(chunk: Buffer): void;
  text(): string;
}

export function keptOutput(keep: KeepOutput): KeptOutput {
  return keep.part === 'head' ? new OutputHead(keep.bytes) : new OutputTail(keep.bytes);
}

/** Reads `stream` to its end into `kept`; a read error ends it quietly (the exit still comes). */
export function readInto(stream: Readable, kept: KeptOutput): KeptOutput {
  stream.on('data', (chunk: Buffer) => kept.push(chunk));
  stream.on('error', () => undefined);
  return kept;
}

/** The first `limit` bytes of a stream, and how many more there were. */
export class OutputHead implements KeptOutput {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    const room = this.#limit - this.#kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.#chunks.push(part);
      this.#kept += part.length;
    }
    this.#dropped += Math.max(0, chunk.length - Math.max(0, room));
  }

  text(): string {
    // A character cut in two at the limit is left out, not shown as U+FFFD.
    const head = Buffer.concat(this.#chunks)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    return this.#dropped === 0 ? head : `${head}… (${this.#dropped} more bytes not kept)`;
  }
}

/**
 * The last `limit` bytes of a stream, whatever it writes: a command that floods its output
 * costs a copy of each chunk and no memory beyond the limit.
 */
export class OutputTail implements KeptOutput {
  readonly #limit: number;
  #kept: Buffer = Buffer.alloc(0);
  #total = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Bytes seen in all, kept or not. */
  get total(): number {
    return this.#total;
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    const joined = chunk.length >= this.#limit ? chunk.subarray(chunk.length - this.#limit) : Buffer.concat([this.#kept, chunk]);
    this.#kept = joined.length > this.#limit ? joined.subarray(joined.length - this.#limit) : joined;
  }

  text(): string {
    return this.#kept.toString('utf8');
  }
}
