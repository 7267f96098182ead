// Shared by the benchmarks: a free port, one Socket.IO ping to the demo server, a median.
import { createServer } from 'node:net';
import { io } from 'socket.io-client';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One acked `ping` over a fresh connection; the reply, or undefined when none came in time. */
export function pingOnce(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, timeout: timeoutMs, forceNew: true });
    const done = (value) => {
      socket.disconnect();
      resolve(value);
    };
    socket.on('connect_error', () => done(undefined));
    socket.on('connect', () => socket.timeout(timeoutMs).emit('ping', (error, reply) => done(error ? undefined : reply)));
  });
}

/** Median, min and max of a list of numbers. */
export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1) };
}
