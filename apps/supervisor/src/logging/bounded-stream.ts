import type { OutputLine } from '@mpm/child';
import type { Writable } from 'node:stream';
import TransportStream from 'winston-transport';
import { childLineInfo } from './child-lines.js';
import { LineBatch } from './line-batch.js';
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
 * Lines are written in batches (LineBatch), in the order they came.
 */
export class BoundedStreamTransport extends TransportStream {
  readonly #options: BoundedStreamOptions;
  readonly #batch: LineBatch;
  #dropped = 0;
  #ended = false;

  constructor(options: BoundedStreamOptions) {
    super(options.format === undefined ? {} : { format: options.format });
    this.#options = options;
    this.#batch = new LineBatch((text) => options.stream.write(text));
    options.stream.on('drain', () => this.#reportDropped());
  }

  override log(info: unknown, callback: () => void): void {
    const record = info as LogInfo;
    this.#add(String(record[MESSAGE]), record['source'] === 'child');
    callback();
  }

  /**
   * A child line from the logger's fast path, its JSON line made already; a pretty line
   * is made here, by this transport's own format. Ignored once the transport has ended.
   */
  writeChildLine(line: OutputLine, timestamp: string, json: string): void {
    if (this.format === undefined) {
      this.#add(json, true);
    } else {
      const pretty = this.format.transform(childLineInfo(line, timestamp), this.format.options) as LogInfo | false;
      if (pretty !== false) this.#add(String(pretty[MESSAGE]), true);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.seal();
    callback();
  }

  /**
   * Hands the stream every line it holds and takes no more: what the stream is given
   * next (an internal error's record) comes after all of them.
   */
  seal(): void {
    if (this.#ended) return;
    this.#reportDropped();
    this.#batch.flush();
    this.#ended = true;
  }

  #add(line: string, fromChild: boolean): void {
    if (this.#ended) return;
    // Only the child's output is dropped: the supervisor's own few records say what
    // happened to the child, and those are the lines an operator needs most.
    if (fromChild && (this.#dropped > 0 || this.#options.stream.writableLength + this.#batch.length > this.#options.maxPendingBytes)) {
      this.#dropped += 1;
      return;
    }
    this.#reportDropped();
    this.#batch.add(line);
  }

  #reportDropped(): void {
    if (this.#dropped === 0) return;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#batch.add(this.#options.droppedNotice(dropped));
  }
}
