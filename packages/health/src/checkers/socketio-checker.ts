import type { Socket } from 'socket.io-client';
import type { CheckContext, HealthChecker } from '../checker.js';
import { failed, rated, unknown, type HealthMetric, type ProbeMismatch } from '../metric.js';
import type { HealthTarget, ProbeAddress } from '../target.js';
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
  /** The configured URL it was opened for; `address` is where it went (maybe the fallback). */
  readonly url: string;
  readonly address: ProbeAddress;
  readonly socket: Socket;
  readonly openedAt: number;
}

const DEFAULT_HANDSHAKE_EVERY_MS = 60_000;

/**
 * Is the Socket.IO server answering? A real client handshake each round, or, when the
 * child runs the agent, an acked `mpm:ping` over a kept connection that the agent leaves
 * out of its client count. A handshake refused by the server's own middleware (auth)
 * still proves the server is responsive. An answer that is not Socket.IO (a plain HTTP
 * server, another path, a certificate the probe does not trust) is a mismatch: `unknown`
 * with the cause and the setting that fixes it, never a failure of the child; and a
 * timeout is a failure only once the probe has answered for this child.
 */
export class SocketIoChecker implements HealthChecker {
  readonly name = 'socketio';
  readonly probe = true;
  readonly needsAddress = true;
  readonly metrics = ['socketioLatencyMs'] as const;
  readonly #handshakeEveryMs: number;
  #kept: Kept | undefined;
  /** The child whose probe has answered: from then on, silence is a hang. */
  #workedFor: number | undefined;

  constructor(options: SocketIoCheckerOptions = {}) {
    this.#handshakeEveryMs = options.handshakeEveryMs ?? DEFAULT_HANDSHAKE_EVERY_MS;
  }

  async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
    const address = target.address;
    if (address === undefined) {
      return [unknown('socketioLatencyMs', 'ms', 'no port to probe yet (set --port or health.probeUrl, or load the agent)', context.now())];
    }
    if (address.tls.problem !== undefined) {
      return [mismatched({ cause: address.tls.problem, hint: 'fix health.probeCaFile' }, address.shownUrl, context)];
    }
    let outcome: ProbeOutcome;
    let where = address;
    const kept = this.#usable(target, context.now());
    if (kept !== undefined) {
      where = kept.address;
      outcome = await pingOver(kept.socket, context.timeoutMs);
      // A missed ping may be a dead connection rather than a dead server: start afresh next time.
      if (outcome.kind !== 'answered') this.#drop();
    } else {
      const keep = target.agent?.present === true;
      let made = await handshake(address, context.timeoutMs, context.signal, keep);
      if (made.outcome.kind === 'unreachable' && address.fallback !== undefined) {
        const other = await handshake(address.fallback, context.timeoutMs, context.signal, keep);
        if (other.outcome.kind !== 'unreachable') {
          made = other;
          where = address.fallback;
        }
      }
      outcome = made.outcome;
      if (made.socket !== undefined) {
        this.#kept = { generation: target.generation, url: address.url, address: where, socket: made.socket, openedAt: context.now() };
      }
    }
    if (outcome.kind === 'answered' || outcome.kind === 'refused_by_middleware') this.#workedFor = target.generation;
    return [this.#metric(outcome, where.url === address.url ? address.shownUrl : `${where.shownUrl} (nothing listens on ${address.host})`, target.generation, context)];
  }

  close(): void {
    this.#drop();
  }

  /** The kept connection, if it still belongs to this child and is young and open. */
  #usable(target: HealthTarget, now: number): Kept | undefined {
    const kept = this.#kept;
    if (kept === undefined) return undefined;
    const fresh = kept.generation === target.generation && kept.url === target.address?.url && now - kept.openedAt < this.#handshakeEveryMs;
    if (fresh && kept.socket.connected && target.agent?.present === true) return kept;
    this.#drop();
    return undefined;
  }

  #drop(): void {
    this.#kept?.socket.disconnect();
    this.#kept = undefined;
  }

  #metric(outcome: ProbeOutcome, url: string, generation: number, context: CheckContext): HealthMetric {
    const at = context.now();
    switch (outcome.kind) {
      case 'unreachable':
        return failed('socketioLatencyMs', 'ms', `Socket.IO at ${url} is not answering: ${outcome.reason}`, at);
      case 'timeout':
        if (this.#workedFor === generation) return failed('socketioLatencyMs', 'ms', `Socket.IO at ${url} is not answering: ${outcome.reason}`, at);
        // Silence from a server that never answered the probe may be a server of another
        // kind or path as well as a hang: other checks judge the child until it answers once.
        return mismatched({ cause: `${outcome.reason}, and no Socket.IO answer since the child started`, hint: NEVER_ANSWERED_HINT }, url, context);
      case 'mismatch':
        return mismatched(outcome, url, context);
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

const NEVER_ANSWERED_HINT =
  "a hang is only called once the probe has worked for this child; if the server's Socket.IO path is not the default, set health.probePath; if it is not a Socket.IO server, set health.checks.socketio.enabled to false";

/** Something answered, but not as the probe expects: not measured, and not the child's fault. */
function mismatched(mismatch: ProbeMismatch, url: string, context: CheckContext): HealthMetric {
  const metric = unknown('socketioLatencyMs', 'ms', `Socket.IO probe at ${url}: ${mismatch.cause}, not counted against the child (${mismatch.hint})`, context.now());
  return { ...metric, mismatch: { cause: mismatch.cause, hint: mismatch.hint } };
}
