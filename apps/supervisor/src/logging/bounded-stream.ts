import type { Writable } from 'node:stream';
import TransportStream from 'winston-transport';
import { MESSAGE, type LogInfo } from './record.js';

export interface BoundedStreamOptions {
  readonly stream: Writable;
  /** Bytes that may wait for a slow reader before lines are dropped (and counted). */
  readonly maxPendingBytes: number;
  /** The line that reports how many lines a stalled reader cost. */
  readonly droppedNotice: (dropped: number) => string;
  /** A format of this transport's own (pretty lines); without it the JSON line is written. */
  readonly format?: TransportStream.TransportStreamOptions['format'];
}

export const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * Writes each record's line to a stream (stdout) without ever waiting for it. The child
 * must not block because nobody reads the supervisor's stdout, and the supervisor must
 * not hold a stalled reader's backlog without bound: past `maxPendingBytes` the child's lines are
 * dropped until the stream drains, then one line says how many. (winston's Stream
 * transport ignores backpressure, so its buffer grows as long as the reader stalls.)
 */
export class BoundedStreamTransport extends TransportStream {
  readonly #options: BoundedStreamOptions;
  #dropped = 0;

  constructor(options: BoundedStreamOptions) {
    super(options.format === undefined ? {} : { format: options.format });
    this.#options = options;
    options.stream.on('drain', () => this.#reportDropped());
  }

  override log(info: unknown, callback: () => void): void {
    const { stream, maxPendingBytes } = this.#options;
    const record = info as LogInfo;
    // Only the child's output is dropped: the supervisor's own few records say what
    // happened to the child, and those are the lines an operator needs most.
    if (record['source'] === 'child' && (this.#dropped > 0 || stream.writableLength > maxPendingBytes)) {
      this.#dropped += 1;
    } else {
      this.#reportDropped();
      stream.write(`${String(record[MESSAGE])}\n`);
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#reportDropped();
    callback();
  }

  #reportDropped(): void {
    if (this.#dropped === 0) return;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#options.stream.write(`${this.#options.droppedNotice(dropped)}\n`);
  }
}
