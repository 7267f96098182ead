/** What a JSON-lines reader found that is not a message. */
export type JsonLineTrouble =
  /** A whole line that does not parse: `sample` is its head, for the log. */
  | { readonly kind: 'not_json'; readonly sample: string; readonly bytes: number }
  /** A line grew past the limit before its newline came; reading stops for good. */
  | { readonly kind: 'oversized'; readonly bytes: number; readonly limit: number };

export interface JsonLineHandlers {
  readonly message: (value: unknown) => void;
  readonly trouble: (trouble: JsonLineTrouble) => void;
}

/** Node's IPC channel in `json` mode carries one message per line; 1 MiB is far above any agent message. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;
const SAMPLE_CHARS = 60;

/**
 * Reads the JSON-lines wire format of Node's IPC channel (`serialization: 'json'`) with a
 * bound: never more than `maxMessageBytes` held for an unfinished line. Node's own reader
 * keeps an unfinished line without limit (a descendant writing bytes with no newline to
 * the channel grew the supervisor by hundreds of MB) and throws out of its socket callback
 * on a line that is not JSON (one such line ended the supervisor). Here a bad line is
 * reported and skipped, and a line over the limit ends the reading: there is no telling
 * where the next message would start.
 */
export class JsonLineReader {
  readonly #maxMessageBytes: number;
  readonly #handlers: JsonLineHandlers;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #stopped = false;

  constructor(handlers: JsonLineHandlers, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) {
      throw new RangeError(`maxMessageBytes must be a positive integer, got ${String(maxMessageBytes)}`);
    }
    this.#handlers = handlers;
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** True once a line went over the limit: later bytes are ignored. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Bytes held for the line not finished yet (never more than maxMessageBytes). */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (!this.#stopped && start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#pendingBytes + (end - start) > this.#maxMessageBytes) {
        this.#overflow(this.#pendingBytes + (end - start));
        return;
      }
      if (newline === -1) {
        // Copy: the chunk may be a view into a pooled buffer that the socket reuses.
        this.#pending.push(Buffer.from(chunk.subarray(start)));
        this.#pendingBytes += chunk.length - start;
        return;
      }
      if (this.#pendingBytes === 0) {
        this.#line(chunk.toString('utf8', start, newline));
      } else {
        this.#pending.push(chunk.subarray(start, newline));
        const whole = Buffer.concat(this.#pending).toString('utf8');
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#line(whole);
      }
      start = newline + 1;
    }
  }

  #line(text: string): void {
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.#handlers.trouble({ kind: 'not_json', sample: text.slice(0, SAMPLE_CHARS), bytes: Buffer.byteLength(text) });
      return;
    }
    this.#handlers.message(value);
  }

  #overflow(bytes: number): void {
    this.#stopped = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#handlers.trouble({ kind: 'oversized', bytes, limit: this.#maxMessageBytes });
  }
}
