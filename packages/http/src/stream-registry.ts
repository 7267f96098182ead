import type { ServerResponse } from 'node:http';
import { RETRY_FRAME, StreamChannel, type StreamReply } from './event-stream.js';
import type { ServerLimits } from './limits.js';
import { errorReply, type Reply } from './reply.js';
import { send, type SendOptions } from './respond.js';

export type StreamLimits = Pick<ServerLimits, 'maxStreams' | 'streamHeartbeatMs' | 'maxStreamBufferBytes'>;

/** The head of every stream answer; HEAD gets it too, without a body. */
function streamHead(close: boolean): Record<string, string> {
  return {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // nginx and the like would otherwise hold events back to fill their buffer.
    'X-Accel-Buffering': 'no',
    ...(close ? { Connection: 'close' } : {}),
  };
}

function tooManyStreams(maxStreams: number): Reply {
  return errorReply(503, 'too_many_streams', `this status server allows ${maxStreams} live streams at once and all are open; close a dashboard tab and try again`, { 'Retry-After': '5' });
}

/** The open event streams of one status server: the limit on them, their heartbeat, their end. */
export class StreamRegistry {
  readonly #limits: StreamLimits;
  readonly #report: (error: unknown, path: string) => void;
  readonly #open = new Set<StreamChannel>();
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  /** `report` gets what a stream callback or cleanup throws, with the route's path. */
  constructor(limits: StreamLimits, report: (error: unknown, path: string) => void) {
    this.#limits = limits;
    this.#report = report;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Whether the server-wide heartbeat timer is running (only while a stream is open). */
  get heartbeating(): boolean {
    return this.#heartbeat !== undefined;
  }

  /** Answers a route's StreamReply: the stream head and its callback, a bare head to HEAD, or 503 when full. */
  open(res: ServerResponse, reply: StreamReply, how: SendOptions, path: string): void {
    if (res.destroyed || res.headersSent) return;
    // A handler that finished after close() began: its connection is being ended anyway.
    if (this.#closed) return void res.destroy();
    if (how.head) {
      res.writeHead(200, streamHead(how.close));
      res.end();
      return;
    }
    if (this.#open.size >= this.#limits.maxStreams) return send(res, tooManyStreams(this.#limits.maxStreams), how);
    res.writeHead(200, streamHead(how.close));
    res.write(RETRY_FRAME);
    const channel = new StreamChannel(
      res,
      this.#limits.maxStreamBufferBytes,
      (ended) => this.#forget(ended),
      (error) => this.#report(error, path),
    );
    this.#open.add(channel);
    this.#heartbeat ??= setInterval(() => this.#beat(), this.#limits.streamHeartbeatMs).unref();
    channel.start(reply.stream);
  }

  /** Ends every open stream (their cleanups run) and refuses new ones; for the server's close(). */
  closeAll(): void {
    this.#closed = true;
    for (const channel of [...this.#open]) channel.close();
  }

  #beat(): void {
    for (const channel of [...this.#open]) channel.heartbeat();
  }

  #forget(channel: StreamChannel): void {
    this.#open.delete(channel);
    if (this.#open.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }
}
