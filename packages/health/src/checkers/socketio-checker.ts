import type { Socket } from 'socket.io-client';
import type { CheckContext, HealthChecker } from '../checker.js';
import { failed, rated, unknown, type HealthMetric } from '../metric.js';
import type { HealthTarget } from '../target.js';
import { handshake, pingOver, type ProbeOutcome } from './socketio-probe.js';

export interface SocketIoCheckerOptions {
  /**
   * With the agent present the probe keeps one connection and pings over it (a round
   * trip through the server's event loop for a fraction of a handshake's cost); it still
   * makes a fresh handshake this often, to prove new clients get in.
   */
  readonly handshakeEveryMs?: number;
}

interface Kept {
  readonly generation: number;
  readonly url: string;
  readonly socket: Socket;
  readonly openedAt: number;
}

const DEFAULT_HANDSHAKE_EVERY_MS = 60_000;

/**
 * Is the Socket.IO server answering? A real client handshake each round, or, when the
 * child runs the agent, an acked `mpm:ping` over a kept connection that the agent leaves
 * out of its client count. A handshake refused by the server's own middleware (auth)
 * still proves the server is responsive.
 */
export class SocketIoChecker implements HealthChecker {
  readonly name = 'socketio';
  readonly probe = true;
  readonly metrics = ['socketioLatencyMs'] as const;
  readonly #handshakeEveryMs: number;
  #kept: Kept | undefined;

  constructor(options: SocketIoCheckerOptions = {}) {
    this.#handshakeEveryMs = options.handshakeEveryMs ?? DEFAULT_HANDSHAKE_EVERY_MS;
  }

  async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
    const address = target.address;
    if (address === undefined) {
      return [unknown('socketioLatencyMs', 'ms', 'no port to probe yet (set --port or health.probeUrl, or load the agent)', context.now())];
    }
    const kept = this.#usable(target, address.url, context.now());
    let outcome: ProbeOutcome;
    if (kept !== undefined) {
      outcome = await pingOver(kept.socket, context.timeoutMs);
      // A missed ping may be a dead connection rather than a dead server: start afresh next time.
      if (outcome.kind !== 'answered') this.#drop();
    } else {
      const keep = target.agent?.present === true;
      const made = await handshake(address.url, context.timeoutMs, context.signal, keep);
      outcome = made.outcome;
      if (made.socket !== undefined) {
        this.#kept = { generation: target.generation, url: address.url, socket: made.socket, openedAt: context.now() };
      }
    }
    return [this.#metric(outcome, address.shownUrl, context)];
  }

  close(): void {
    this.#drop();
  }

  /** The kept connection, if it still belongs to this child and is young and open. */
  #usable(target: HealthTarget, url: string, now: number): Kept | undefined {
    const kept = this.#kept;
    if (kept === undefined) return undefined;
    const fresh = kept.generation === target.generation && kept.url === url && now - kept.openedAt < this.#handshakeEveryMs;
    if (fresh && kept.socket.connected && target.agent?.present === true) return kept;
    this.#drop();
    return undefined;
  }

  #drop(): void {
    this.#kept?.socket.disconnect();
    this.#kept = undefined;
  }

  #metric(outcome: ProbeOutcome, url: string, context: CheckContext): HealthMetric {
    const at = context.now();
    switch (outcome.kind) {
      case 'failed':
        return failed('socketioLatencyMs', 'ms', `Socket.IO at ${url} is not answering: ${outcome.reason}`, at);
      case 'refused_by_middleware': {
        const metric = rated('socketioLatencyMs', outcome.ms, 'ms', context.thresholds.probeLatencyMs, at);
        return { ...metric, message: `Socket.IO handshake refused by the server's middleware ("${outcome.reason}"), so it is responsive: ${metric.message}` };
      }
      case 'answered': {
        const metric = rated('socketioLatencyMs', outcome.ms, 'ms', context.thresholds.probeLatencyMs, at);
        return { ...metric, message: `Socket.IO ${outcome.via} at ${url}: ${metric.message}` };
      }
    }
  }
}
