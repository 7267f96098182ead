import { createServer, type Socket } from 'node:net';

/**
 * A TCP listener on 127.0.0.1 that answers nothing and records what reaches it: the
 * proof that a command did not connect, or did not send a secret, where it should not.
 */
export interface RecordingListener {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Every byte received, as text. */
  readonly received: string;
  close(): Promise<void>;
}

export async function recordingListener(): Promise<RecordingListener> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let received = '';
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the recording listener has no TCP address');
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    get received() {
      return received;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
