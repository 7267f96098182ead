/**
 * The IPC messages of docs/design.md §7. Every message is a JSON object whose `type` starts with
 * `mpm:`; anything else on the channel belongs to the application and is ignored.
 */
export const MESSAGE_PREFIX = 'mpm:';

/** What the agent knows about the service, sent with every pong. */
export interface ServiceStats {
  /** Connected Socket.IO clients, the supervisor's own probe connection not counted. */
  readonly clients: number;
  /** Events received from clients since the agent was attached. */
  readonly eventsTotal: number;
  /** Socket and connection errors since the agent was attached. */
  readonly errorsTotal: number;
  /** Event-loop delay (p99 since the previous pong, resolution subtracted). */
  readonly eventLoopLagMs: number;
  readonly heapUsedBytes: number;
  readonly uptimeSeconds: number;
  /** Epoch milliseconds of the last event from a client; null before the first. */
  readonly lastEventAt: number | null;
}

// child → supervisor
export interface ReadyMessage {
  readonly type: 'mpm:ready';
  /** The port the Socket.IO server listens on; null when it listens on a pipe. */
  readonly port: number | null;
  readonly address: string | null;
}
export interface PongMessage {
  readonly type: 'mpm:pong';
  readonly id: number;
  readonly stats: ServiceStats;
}
export interface AckMessage {
  readonly type: 'mpm:ack';
  readonly id: number;
  readonly disconnected: number;
}

// supervisor → child
export interface PingMessage {
  readonly type: 'mpm:ping';
  readonly id: number;
}
export interface ClearConnectionsMessage {
  readonly type: 'mpm:clear-connections';
  readonly id: number;
}
export interface ShutdownMessage {
  readonly type: 'mpm:shutdown';
  readonly id: number;
  readonly graceMs: number;
}

export type AgentMessage = ReadyMessage | PongMessage | AckMessage;
export type SupervisorMessage = PingMessage | ClearConnectionsMessage | ShutdownMessage;

/**
 * The Socket.IO side of the protocol. The supervisor's probe connection sends this in its
 * handshake `auth`, so that the agent can leave it out of the client count and the event
 * rate, and emits PROBE_PING_EVENT with an ack to measure a round trip through the server.
 */
export const PROBE_AUTH_FIELD = 'mpmProbe';
export const PROBE_PING_EVENT = 'mpm:ping';

export interface ProbePingReply {
  readonly pong: true;
  readonly pid: number;
}
