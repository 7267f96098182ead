import type { Socket } from 'node:net';
import { admission, peerOf, type OpenConnection, type ShedReason } from './connection-policy.js';
import type { ServerLimits } from './limits.js';

export type GuardLimits = Pick<ServerLimits, 'maxConnections' | 'maxConnectionsPerPeer' | 'firstByteTimeoutMs'>;

/** A connection closed or turned away to stay within the limits; `address` is the peer's. */
export interface Shed {
  readonly action: 'evicted' | 'refused';
  readonly reason: ShedReason;
  readonly address: string;
}

class Tracked implements OpenConnection {
  readonly socket: Socket;
  /** Read at once: a destroyed socket no longer knows it. */
  readonly address: string;
  readonly peer: string;
  inFlight = 0;
  firstByteTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    this.address = socket.remoteAddress ?? 'unknown';
    this.peer = peerOf(socket.remoteAddress);
  }

  get idle(): boolean {
    return this.inFlight === 0;
  }
}

/**
 * Keeps the status server answering while clients hold connections without using them:
 * a connection silent for firstByteTimeoutMs is closed, and at the limits a newcomer takes
 * the place of an idle connection (see `admission`) instead of being turned away, so that
 * a liveness probe gets through 64 idle or slowloris connections.
 */
export class ConnectionGuard {
  readonly #limits: GuardLimits;
  readonly #onShed: (shed: Shed) => void;
  /** Oldest first (a Map keeps insertion order). */
  readonly #open = new Map<Socket, Tracked>();

  constructor(limits: GuardLimits, onShed: (shed: Shed) => void) {
    this.#limits = limits;
    this.#onShed = onShed;
  }

  get size(): number {
    return this.#open.size;
  }

  /** For the server's 'connection' event: admits `socket`, maybe in place of another, or closes it. */
  admit(socket: Socket): void {
    const tracked = new Tracked(socket);
    const decision = admission([...this.#open.values()], tracked.peer, this.#limits);
    if (decision.kind === 'refuse') {
      socket.destroy();
      this.#onShed({ action: 'refused', reason: decision.reason, address: tracked.address });
      return;
    }
    if (decision.kind === 'evict') {
      const victim = decision.victim;
      this.#forget(victim.socket);
      victim.socket.destroy();
      this.#onShed({ action: 'evicted', reason: decision.reason, address: victim.address });
    }
    this.#open.set(socket, tracked);
    socket.once('close', () => this.#forget(socket));
    tracked.firstByteTimer = setTimeout(() => this.#firstByteDue(tracked), this.#limits.firstByteTimeoutMs).unref();
  }

  /** A request arrived on `socket`: it is busy until requestEnded. */
  requestStarted(socket: Socket): void {
    const tracked = this.#open.get(socket);
    if (tracked !== undefined) tracked.inFlight += 1;
  }

  /** Its answer is written (or the client left): idle again unless another request is in flight. */
  requestEnded(socket: Socket): void {
    const tracked = this.#open.get(socket);
    if (tracked !== undefined && tracked.inFlight > 0) tracked.inFlight -= 1;
  }

  /** Stops the timers; the server's close() ends the connections themselves. */
  closeAll(): void {
    for (const socket of [...this.#open.keys()]) this.#forget(socket);
  }

  #firstByteDue(tracked: Tracked): void {
    // Bytes that arrived while the event loop was blocked are read in the poll phase, which
    // comes after timers and before setImmediate: only then is a silent connection silent.
    setImmediate(() => {
      if (this.#open.get(tracked.socket) !== tracked || tracked.socket.bytesRead > 0) return;
      this.#forget(tracked.socket);
      tracked.socket.destroy();
    });
  }

  #forget(socket: Socket): void {
    const tracked = this.#open.get(socket);
    if (tracked === undefined) return;
    clearTimeout(tracked.firstByteTimer);
    this.#open.delete(socket);
  }
}
