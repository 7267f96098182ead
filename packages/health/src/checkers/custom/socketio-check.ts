import { isDeepStrictEqual } from 'node:util';
import type { HealthChecker } from '../../checker.js';
import type { ProbeTls } from '../../target.js';
import { handshake, type HandshakeTarget } from '../socketio-probe.js';
import { CustomChecker, type CheckSpec, type Reading } from './custom-checker.js';

export interface SocketIoCheckOptions extends CheckSpec {
  /** Socket.IO URL, its path the namespace; absent: the probe's address of the child. */
  readonly url?: string;
  readonly event: string;
  /** Sent with the event; absent: the event goes without arguments. */
  readonly data?: unknown;
  /** The ack's first argument must deep-equal this; absent: any ack will do. */
  readonly expect?: unknown;
  /** For a `url`: the engine's path and the TLS trust of the built-in probe (health.probePath, probeCaFile, probeInsecure). */
  readonly probe: () => { readonly path: string; readonly tls: ProbeTls };
}

/** The longest JSON of an ack a message quotes. */
const SHOWN_JSON_CHARS = 120;

/**
 * Emits an event over a real Socket.IO connection and waits for its ack: the server's
 * handlers answer, not only its engine. The value is the time from the emit to the ack; no
 * ack in time, or an ack other than `expect`, is a failure. It connects as the built-in probe
 * does (marked as the supervisor's, so the agent does not count it as a client) and
 * disconnects after each run.
 */
export function socketIoCheck(options: SocketIoCheckOptions): HealthChecker {
  return new CustomChecker(options, 'ms', async (target, context) => {
    const started = performance.now();
    let where: HandshakeTarget;
    if (options.url !== undefined) {
      where = { url: options.url, ...options.probe() };
    } else if (target.address !== undefined) {
      where = { url: target.address.url, path: target.address.path, tls: target.address.tls };
    } else {
      return { kind: 'unknown', message: 'no address of the child to connect to yet (set url, or --port, health.probeUrl or the agent)' };
    }
    const shown = shownUrl(where.url);
    if (where.tls.problem !== undefined) return { kind: 'unknown', message: where.tls.problem };
    const made = await handshake(where, context.timeoutMs, context.signal, true);
    const socket = made.socket;
    if (socket === undefined) return refused(made.outcome, shown);
    try {
      const left = Math.max(1, context.timeoutMs - (performance.now() - started));
      const sent = performance.now();
      let answer: unknown;
      try {
        answer = await socket.timeout(left).emitWithAck(options.event, ...(options.data === undefined ? [] : [options.data]));
      } catch {
        return { kind: 'failed', message: `no ack to ${JSON.stringify(options.event)} from ${shown} within ${context.timeoutMs} ms` } satisfies Reading;
      }
      const ms = performance.now() - sent;
      if (options.expect !== undefined && !isDeepStrictEqual(answer, options.expect)) {
        return { kind: 'failed', message: `${JSON.stringify(options.event)} at ${shown} acked ${showJson(answer)}, expected ${showJson(options.expect)}` } satisfies Reading;
      }
      return { kind: 'measured', value: ms, detail: `${JSON.stringify(options.event)} at ${shown} acked in` } satisfies Reading;
    } finally {
      socket.disconnect();
    }
  });
}

function refused(outcome: Awaited<ReturnType<typeof handshake>>['outcome'], shown: string): Reading {
  switch (outcome.kind) {
    case 'unreachable':
    case 'timeout':
      return { kind: 'failed', message: `Socket.IO at ${shown} is not answering: ${outcome.reason}` };
    case 'refused_by_middleware':
      // The server answers; this check cannot do its job until it is let in.
      return { kind: 'unknown', message: `the server's middleware refused the check's handshake at ${shown} ("${outcome.reason}")` };
    case 'mismatch':
      return { kind: 'unknown', message: `no Socket.IO server at ${shown}: ${outcome.cause}` };
    case 'answered':
      return { kind: 'unknown', message: 'the connection closed at once' };
  }
}

function shownUrl(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
}

function showJson(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length <= SHOWN_JSON_CHARS ? text : `${text.slice(0, SHOWN_JSON_CHARS - 1)}…`;
}
