// A client storm: hundreds of real Socket.IO clients connect at once, ping for a while,
// and leave together.
import { io } from 'socket.io-client';
import { percentile } from '../lib/stats.mjs';
import { delay } from '../lib/wait.mjs';

const CONNECT_TIMEOUT_MS = 15_000;
const PING_EVERY_MS = 500;
const PING_TIMEOUT_MS = 5_000;
// Most clients go straight to WebSocket; every fourth starts with HTTP long-polling and
// upgrades, as a browser does, so the server's HTTP side is stormed too.
const POLLING_EVERY = 4;

/** Resolves true once connected, false on an error or past the timeout. */
function connected(socket) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.once('connect_error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Pings every PING_EVERY_MS until `until`, noting each acked round trip. */
async function keepPinging(socket, until, latencies, counts) {
  while (performance.now() < until && socket.connected) {
    const t0 = performance.now();
    counts.sent += 1;
    try {
      await socket.timeout(PING_TIMEOUT_MS).emitWithAck('ping');
      latencies.push(performance.now() - t0);
    } catch {
      counts.unanswered += 1;
    }
    await delay(PING_EVERY_MS * (0.5 + Math.random()));
  }
}

/**
 * `clients` clients connect at once to 127.0.0.1:port, each pings for `holdMs`, then all
 * disconnect. Returns what the storm saw; `endedAt` (performance.now()) is when the last
 * client had left.
 */
export async function storm(port, { clients, holdMs }) {
  const sockets = Array.from({ length: clients }, (_, index) =>
    io(`http://127.0.0.1:${port}`, {
      forceNew: true,
      reconnection: false,
      timeout: CONNECT_TIMEOUT_MS,
      transports: index % POLLING_EVERY === 0 ? ['polling', 'websocket'] : ['websocket'],
    }),
  );
  const t0 = performance.now();
  const ok = await Promise.all(sockets.map(connected));
  const connectMs = performance.now() - t0;
  const latencies = [];
  const counts = { sent: 0, unanswered: 0 };
  const until = performance.now() + holdMs;
  await Promise.all(sockets.filter((_, index) => ok[index]).map((socket) => keepPinging(socket, until, latencies, counts)));
  for (const socket of sockets) socket.disconnect();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    clients,
    connected: ok.filter(Boolean).length,
    connectMs: Math.round(connectMs),
    pings: counts.sent,
    unanswered: counts.unanswered,
    pingP50Ms: sorted.length === 0 ? undefined : Number(percentile(sorted, 50).toFixed(1)),
    pingMaxMs: sorted.length === 0 ? undefined : Number(sorted.at(-1).toFixed(1)),
    endedAt: performance.now(),
  };
}
