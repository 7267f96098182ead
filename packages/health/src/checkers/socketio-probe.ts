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

/** What a handshake hands back: the verdict, and with `keep` the open connection. */
export interface Handshake {
  readonly outcome: ProbeOutcome;
  readonly socket?: Socket;
}

/** The client failed before the transport opened, with only its own words ("xhr poll error"). */
const CLIENT_FAILED = Symbol('client failed');

/**
 * A real Socket.IO client handshake. With `keep`, a successful connection is handed back
 * open for later pings; otherwise it is closed at once. When the handshake fails quickly,
 * one plain request to the engine's path says why (see probe-explain.ts). All of it within
 * `timeoutMs`. Never rejects.
 */
export async function handshake(target: HandshakeTarget, timeoutMs: number, signal: AbortSignal, keep: boolean): Promise<Handshake> {
  const started = performance.now();
  const left = (): number => Math.max(1, timeoutMs - (performance.now() - started));
  const first = await connectOnce(target, { budgetMs: timeoutMs, timeoutMs }, signal, keep);
  if (first !== CLIENT_FAILED) return first;
  const explained = await explainRefusal(target, left(), signal);
  if (explained.kind !== 'engine_answers') return { outcome: explained };
  // Engine.IO answers where the client has just failed. Most often the server began
  // listening in between (a child starting: refused, then up); only when the client fails
  // again is it something that breaks the client alone, a setting to tell the operator.
  const again = await connectOnce(target, { budgetMs: left(), timeoutMs }, signal, keep);
  return again === CLIENT_FAILED ? { outcome: explained.mismatch } : again;
}

/** One client attempt, given up after `budgetMs`; a timeout names the whole probe's `timeoutMs`. */
function connectOnce(target: HandshakeTarget, time: { readonly budgetMs: number; readonly timeoutMs: number }, signal: AbortSignal, keep: boolean): Promise<Handshake | typeof CLIENT_FAILED> {
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
      timeout: time.budgetMs,
      forceNew: true,
      auth: { [PROBE_AUTH_FIELD]: true },
      ...(target.tls.ca === undefined ? {} : { ca: target.tls.ca }),
      rejectUnauthorized: target.tls.rejectUnauthorized,
    });
    let engineOpen = false;
    let settled = false;
    socket.io.once('open', () => (engineOpen = true));
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('connect').off('connect_error');
      return true;
    };
    const close = (result: Handshake | typeof CLIENT_FAILED): void => {
      if (!settle()) return;
      socket.disconnect();
      resolve(result);
    };
    const timedOut = (): Handshake => ({ outcome: { kind: 'timeout', reason: `no Socket.IO handshake within ${time.timeoutMs} ms` } });
    const onAbort = (): void => close({ outcome: { kind: 'unreachable', reason: 'abandoned' } });
    const timer = setTimeout(() => close(timedOut()), time.budgetMs);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      const outcome: ProbeOutcome = { kind: 'answered', ms: performance.now() - started, via: 'handshake' };
      if (!keep) return close({ outcome });
      if (settle()) resolve({ outcome, socket });
    });
    socket.once('connect_error', (error: Error) => {
      // After the transport opened, a connect_error is the server's CONNECT_ERROR packet.
      if (engineOpen) return close({ outcome: { kind: 'refused_by_middleware', ms: performance.now() - started, reason: error.message } });
      close(error.message === 'timeout' ? timedOut() : CLIENT_FAILED);
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
