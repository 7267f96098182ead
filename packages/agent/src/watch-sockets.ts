import { PROBE_PING_EVENT } from '@mpm/protocol';
import type { Namespace, Server, Socket } from 'socket.io';
import type { ServiceCounters } from './counters.js';
import { answerProbePing, isProbeSocket } from './probe.js';

type Connection = Socket['conn'];
type Engine = Server['engine'];

export interface SocketWatch {
  /** Open engine connections, the supervisor's probe connections not counted. */
  clients(): number;
  isProbeConnection(connection: Connection): boolean;
  /** Hooks the engine if it has appeared since (io.attach after attachAgent). */
  refresh(): void;
  stop(): void;
}

/**
 * Counts what happens on the io's sockets without changing it: listeners only, on every
 * namespace (those to come too) and every socket. Probe sockets are answered but not
 * counted: their events and errors are the supervisor's, not the service's.
 */
export function watchSockets(io: Server, counters: ServiceCounters): SocketWatch {
  const namespaces = new Map<Namespace, (socket: Socket) => void>();
  const sockets = new Map<Socket, () => void>();
  const probeConnections = new Map<Connection, () => void>();
  // Until io is attached to an HTTP server it has no engine; typed as always present, it is not.
  const engineOf = (): Engine | undefined => io.engine as Engine | undefined;
  let hookedEngine: Engine | undefined;
  const onConnectionError = (): void => counters.recordError();

  const hookEngine = (): void => {
    const engine = engineOf();
    if (engine === undefined || engine === hookedEngine) return;
    hookedEngine?.off('connection_error', onConnectionError);
    engine.on('connection_error', onConnectionError);
    hookedEngine = engine;
  };

  const markProbe = (connection: Connection): void => {
    if (probeConnections.has(connection)) return;
    const onClose = (): void => {
      probeConnections.delete(connection);
    };
    connection.once('close', onClose);
    probeConnections.set(connection, () => connection.off('close', onClose));
  };

  const hookSocket = (socket: Socket): void => {
    if (sockets.has(socket) || !socket.connected) return;
    hookEngine();
    const probe = isProbeSocket(socket);
    if (probe) markProbe(socket.conn);
    const onAny = (): void => {
      if (!probe) counters.recordEvent(Date.now());
    };
    const onError = (): void => {
      if (!probe) counters.recordError();
    };
    const onProbePing = (...args: unknown[]): void => answerProbePing(args);
    const unhook = (): void => {
      socket.offAny(onAny);
      socket.off('error', onError);
      socket.off(PROBE_PING_EVENT, onProbePing);
      socket.off('disconnect', unhook);
      sockets.delete(socket);
    };
    socket.onAny(onAny);
    // socket.io adds a no-op 'error' listener to every socket, so one more changes nothing.
    socket.on('error', onError);
    socket.on(PROBE_PING_EVENT, onProbePing);
    socket.on('disconnect', unhook);
    sockets.set(socket, unhook);
  };

  const hookNamespace = (namespace: Namespace): void => {
    if (namespaces.has(namespace)) return;
    namespace.on('connection', hookSocket);
    namespaces.set(namespace, hookSocket);
    // Sockets already connected when the agent was attached.
    for (const socket of namespace.sockets.values()) hookSocket(socket);
  };

  io.on('new_namespace', hookNamespace);
  for (const namespace of io._nsps.values()) hookNamespace(namespace);
  hookEngine();

  return {
    clients: () => Math.max(0, (engineOf()?.clientsCount ?? 0) - probeConnections.size),
    isProbeConnection: (connection) => probeConnections.has(connection),
    refresh: hookEngine,
    stop: () => {
      io.off('new_namespace', hookNamespace);
      for (const [namespace, listener] of namespaces) namespace.off('connection', listener);
      namespaces.clear();
      for (const unhook of [...sockets.values()]) unhook();
      for (const forget of probeConnections.values()) forget();
      probeConnections.clear();
      hookedEngine?.off('connection_error', onConnectionError);
      hookedEngine = undefined;
    },
  };
}
