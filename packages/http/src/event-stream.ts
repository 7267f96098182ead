import type { ServerResponse } from 'node:http';
import type { Reply } from './reply.js';

/** One open Server-Sent Events response, as a route's stream callback sees it. */
export interface EventStream {
  /** Sends one event; `data` is JSON-encoded on one line (JSON.stringify, no indentation). Does nothing once closed. */
  send(event: string, data: unknown): void;
  /** Ends the response; the cleanup runs. */
  close(): void;
  readonly closed: boolean;
}

/** What a route answers to keep the response open and push events down it. */
export interface StreamReply {
  /**
   * Called once the response head is written; may return a cleanup, called exactly once when
   * the stream ends for any reason (client gone, close(), server closing, buffer over the limit).
   */
  readonly stream: (events: EventStream) => (() => void) | void;
}

export function streamReply(stream: StreamReply['stream']): StreamReply {
  return { stream };
}

export function isStreamReply(value: Reply | StreamReply): value is StreamReply {
  return typeof (value as Partial<StreamReply>).stream === 'function';
}

/** Tells EventSource to reconnect 2 s after losing the stream, instead of its own 3 s or so. */
export const RETRY_FRAME = 'retry: 2000\n\n';
/** A comment line: keeps proxies and idle timers from closing a quiet stream, and finds dead clients. */
export const HEARTBEAT_FRAME = ': keep-alive\n\n';

const EVENT_NAME = /^[a-z][a-z0-9_]*$/;

/** `event: NAME\ndata: JSON\n\n`; a bad name is a programming error and throws a TypeError. */
export function eventFrame(event: string, data: unknown): string {
  if (typeof event !== 'string' || !EVENT_NAME.test(event)) {
    throw new TypeError(`an event name must match ${String(EVENT_NAME)}, got ${JSON.stringify(event)}`);
  }
  // JSON escapes CR and LF inside strings, so the data is always one line.
  return `event: ${event}\ndata: ${JSON.stringify(data) ?? 'null'}\n\n`;
}

/**
 * The server's side of one open stream: writes frames, drops a client that does not read,
 * and runs the route's cleanup exactly once, whatever ends the stream.
 */
export class StreamChannel implements EventStream {
  readonly #res: ServerResponse;
  readonly #maxBufferBytes: number;
  readonly #onEnd: (channel: StreamChannel) => void;
  readonly #report: (error: unknown) => void;
  #closed = false;
  #cleanup: (() => void) | undefined;

  /** `onEnd` is told once when the stream ends; `report` gets what the route's callbacks throw. */
  constructor(res: ServerResponse, maxBufferBytes: number, onEnd: (channel: StreamChannel) => void, report: (error: unknown) => void) {
    this.#res = res;
    this.#maxBufferBytes = maxBufferBytes;
    this.#onEnd = onEnd;
    this.#report = report;
    res.once('close', () => this.#end());
    // Nothing a dying connection does may crash the supervisor.
    res.on('error', () => this.#drop());
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(event: string, data: unknown): void {
    this.#write(eventFrame(event, data));
  }

  close(): void {
    if (this.#closed) return;
    this.#res.end();
    this.#end();
  }

  heartbeat(): void {
    this.#write(HEARTBEAT_FRAME);
  }

  /** Runs the route's stream callback; one that throws is reported and its stream dropped. */
  start(stream: StreamReply['stream']): void {
    let cleanup: (() => void) | void;
    try {
      cleanup = stream(this);
    } catch (error) {
      this.#report(error);
      this.#drop();
      return;
    }
    if (typeof cleanup !== 'function') return;
    // The callback may have closed the stream already: then its cleanup is due now.
    if (this.#closed) this.#runCleanup(cleanup);
    else this.#cleanup = cleanup;
  }

  #write(frame: string): void {
    if (this.#closed) return;
    if (this.#res.destroyed || this.#res.writableEnded) return this.#end();
    this.#res.write(frame);
    // A client that does not read makes the supervisor hold what it is sent: drop it; its
    // EventSource reconnects and starts again from a fresh snapshot.
    if (this.#res.writableLength > this.#maxBufferBytes) this.#drop();
  }

  #drop(): void {
    this.#res.destroy();
    this.#end();
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onEnd(this);
    const cleanup = this.#cleanup;
    this.#cleanup = undefined;
    if (cleanup !== undefined) this.#runCleanup(cleanup);
  }

  #runCleanup(cleanup: () => void): void {
    try {
      cleanup();
    } catch (error) {
      this.#report(error);
    }
  }
}
