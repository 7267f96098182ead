import { PROBE_AUTH_FIELD, PROBE_PING_EVENT } from '@mpm/protocol';
import { io, type Socket } from 'socket.io-client';

export type ProbeOutcome =
  | { readonly kind: 'answered'; readonly ms: number; readonly via: 'handshake' | 'ping' }
  /** The server's own middleware said no: it read the handshake, so it is responsive. */
  | { readonly kind: 'refused_by_middleware'; readonly ms: number; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * A real Socket.IO client handshake against `url`. With `keep`, a successful connection
 * is handed back open for later pings; otherwise it is closed at once. Never rejects.
 */
export function handshake(url: string, timeoutMs: number, signal: AbortSignal, keep: boolean): Promise<{ outcome: ProbeOutcome; socket?: Socket }> {
  if (signal.aborted) return Promise.resolve({ outcome: { kind: 'failed', reason: 'abandoned' } });
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = io(url, {
      // Websocket first: one upgrade request instead of a polling round trip; a server
      // that only polls is still reached through the fallback.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: false,
      timeout: timeoutMs,
      forceNew: true,
      auth: { [PROBE_AUTH_FIELD]: true },
    });
    let engineOpen = false;
    socket.io.once('open', () => (engineOpen = true));
    const finish = (outcome: ProbeOutcome, handOver: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('connect').off('connect_error');
      if (handOver) resolve({ outcome, socket });
      else {
        socket.disconnect();
        resolve({ outcome });
      }
    };
    const onAbort = (): void => finish({ kind: 'failed', reason: 'abandoned' }, false);
    const timer = setTimeout(() => finish({ kind: 'failed', reason: `no handshake within ${timeoutMs} ms` }, false), timeoutMs);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ kind: 'answered', ms: performance.now() - started, via: 'handshake' }, keep));
    socket.once('connect_error', (error: Error) => {
      const ms = performance.now() - started;
      // After the transport opened, a connect_error is the server's CONNECT_ERROR packet.
      if (engineOpen) finish({ kind: 'refused_by_middleware', ms, reason: error.message }, false);
      else finish({ kind: 'failed', reason: error.message === 'timeout' ? `no handshake within ${timeoutMs} ms` : error.message }, false);
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
    return { kind: 'failed', reason: `no answer to a Socket.IO ping within ${timeoutMs} ms` };
  }
}
