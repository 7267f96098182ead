// The user's view of the demo server: a free port and a real Socket.IO ping.
import { createServer } from 'node:net';
import { io } from 'socket.io-client';
import { delay } from './wait.mjs';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      });
  });
}

/** One acked `ping` over a fresh connection: the reply ({ pid, … }), or undefined when none came in time. */
export function pingOnce(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, timeout: timeoutMs, forceNew: true });
    const timer = setTimeout(() => done(undefined), timeoutMs + 100);
    function done(value) {
      clearTimeout(timer);
      socket.disconnect();
      resolve(value);
    }
    socket.on('connect_error', () => done(undefined));
    socket.on('connect', () => socket.timeout(timeoutMs).emit('ping', (error, reply) => done(error ? undefined : reply)));
  });
}

/**
 * Pings every few ms until a reply comes from a pid other than `notPid`.
 * Returns the time since `start` (a performance.now() reading) and the answering pid.
 */
export async function firstAnsweredPing(port, { start = performance.now(), notPid, timeoutMs = 30_000, pingTimeoutMs = 500 } = {}) {
  for (;;) {
    const reply = await pingOnce(port, pingTimeoutMs);
    if (reply !== undefined && reply.pid !== notPid) return { ms: performance.now() - start, pid: reply.pid };
    if (performance.now() - start > timeoutMs) return undefined;
    await delay(2);
  }
}
