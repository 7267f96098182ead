import type { Server, Socket } from 'socket.io';

type Connection = Socket['conn'];

/**
 * Closes the connection under every client socket in every namespace. Clients see
 * 'transport close', and socket.io-client reconnects after its randomised backoff: load is
 * shed and stuck connections are reset, but the service keeps its users (a server-side
 * disconnect would tell every client never to come back). Returns how many connections
 * that were not the supervisor's probes it dropped; probes go too, and the supervisor
 * reconnects. Only this process's sockets: not a broadcast to other nodes.
 */
export function clearConnections(io: Server, isProbe: (connection: Connection) => boolean): number {
  const connections = new Set<Connection>();
  for (const namespace of io._nsps.values()) {
    for (const socket of namespace.sockets.values()) connections.add(socket.conn);
  }
  // Counted before disconnecting, while closing probe connections still say what they are.
  let dropped = 0;
  for (const connection of connections) if (!isProbe(connection)) dropped += 1;
  for (const connection of connections) connection.close();
  return dropped;
}
