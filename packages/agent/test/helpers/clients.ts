import { PROBE_AUTH_FIELD } from '@mpm/protocol';
import { io, type Socket } from 'socket.io-client';
import { within } from './deadline.js';

const open = new Set<Socket>();

/**
 * Connects one real Socket.IO client (websocket; no reconnection unless asked for, and
 * then a quick one) and waits until it is in.
 */
export async function connectClient(port: number, { probe = false, namespace = '/', reconnect = false } = {}): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${port}${namespace}`, {
    transports: ['websocket'],
    reconnection: reconnect,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    forceNew: true,
    ...(probe ? { auth: { [PROBE_AUTH_FIELD]: true } } : {}),
  });
  open.add(socket);
  // A reconnecting client stays open across disconnects until the test ends.
  if (!reconnect) socket.once('disconnect', () => open.delete(socket));
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }),
    `a ${probe ? 'probe' : 'client'} to connect to port ${port}`,
  );
  return socket;
}

/** Connects `count` clients at once. */
export function connectClients(port: number, count: number): Promise<Socket[]> {
  return Promise.all(Array.from({ length: count }, () => connectClient(port)));
}

/** Resolves with the reason once the client is disconnected. */
export function disconnection(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** Disconnects every client a test connected (call from afterEach). */
export function disconnectAllClients(): void {
  for (const socket of open) socket.disconnect();
  open.clear();
}
