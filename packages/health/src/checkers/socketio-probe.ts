import { PROBE_AUTH_FIELD, PROBE_PING_EVENT } from '@mpm/protocol';
import { io, type Socket } from 'socket.io-client';
import type { ProbeTls } from '../target.js';
import { explainRefusal } from './probe-explain.js';

/** Where and how the probe's handshake goes. */
export interface HandshakeTarget {
  /** The Socket.IO URL: origin, and a namespace as its path. */
  readonly url: string;
  /** The engine's path (the server's `path` option), e.g. /socket.io/. */
  readonly path: string;
  readonly tls: ProbeTls;
}

export type ProbeOutcome =
  | { readonly kind: 'answered'; readonly ms: number; readonly via: 'handshake' | 'ping' }
  /** The server's own middleware said no: it read the handshake, so it is responsive. */
  | { readonly kind: 'refused_by_middleware'; readonly ms: number; readonly reason: string }
  /**
   * Something answered, but not as a Socket.IO server at this path (an HTTP status, a TLS
   * error, a body that is not Engine.IO): a setting to fix, never a sign of a hang.
   */
  | { readonly kind: 'mismatch'; readonly cause: string; readonly hint: string }
  /** Nothing answered in time: a hang, once this child's probe has worked. */
  | { readonly kind: 'timeout'; readonly reason: string }
  /** Nothing could be reached: refused, or the connection failed before any answer. */
  | { readonly kind: 'unreachable'; readonly reason: string };

/**
 * A real Socket.IO client handshake. With `keep`, a successful connection is handed back
 * open for later pings; otherwise it is closed at once. When the handshake fails quickly,
 * one plain request to the engine's path says why (see probe-explain.ts). Never rejects.
 */
export function handshake(target: HandshakeTarget, timeoutMs: number, signal: AbortSignal, keep: boolean): Promise<{ outcome: ProbeOutcome; socket?: Socket }> {
  if (signal.aborted) return Promise.resolve({ outcome: { kind: 'unreachable', reason: 'abandoned' } });
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = io(target.url, {
      path: target.path,
      // Websocket first: one upgrade request instead of a polling round trip; a server
      // that only polls is still reached through the fallback.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: false,
      timeout: timeoutMs,
      forceNew: true,
      auth: { [PROBE_AUTH_FIELD]: true },
      ...(target.tls.ca === undefined ? {} : { ca: target.tls.ca }),
      rejectUnauthorized: target.tls.rejectUnauthorized,
    });
    let engineOpen = false;
    let settled = false;
    socket.io.once('open', () => (engineOpen = true));
    const finish = (outcome: ProbeOutcome, handOver: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('connect').off('connect_error');
      if (handOver) resolve({ outcome, socket });
      else {
        socket.disconnect();
        resolve({ outcome });
      }
    };
    const timedOut = (): ProbeOutcome => ({ kind: 'timeout', reason: `no Socket.IO handshake within ${timeoutMs} ms` });
    const onAbort = (): void => finish({ kind: 'unreachable', reason: 'abandoned' }, false);
    const timer = setTimeout(() => finish(timedOut(), false), timeoutMs);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ kind: 'answered', ms: performance.now() - started, via: 'handshake' }, keep));
    socket.once('connect_error', (error: Error) => {
      const ms = performance.now() - started;
      // After the transport opened, a connect_error is the server's CONNECT_ERROR packet.
      if (engineOpen) return finish({ kind: 'refused_by_middleware', ms, reason: error.message }, false);
      if (error.message === 'timeout') return finish(timedOut(), false);
      socket.disconnect();
      // The client's own words ("xhr poll error") do not say what the server answered: ask it plainly.
      void explainRefusal(target, Math.max(1, timeoutMs - ms), signal).then((outcome) => finish(outcome, false));
    });
  });
}

/** An acked ping over a kept connection; the agent answers it inside the server. */
export async function pingOver(socket: Socket, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  try {
    await socket.timeout(timeoutMs).emitWithAck(PROBE_PING_EVENT);
    return { kind: 'answered', ms: performance.now() - started, via: 'ping' };
  } catch {
    return { kind: 'timeout', reason: `no answer to a Socket.IO ping within ${timeoutMs} ms` };
  }
}
