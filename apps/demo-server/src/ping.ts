/** What the server acknowledges a `ping` with. */
export interface PingReply {
  readonly pong: true;
  readonly pid: number;
  readonly time: number;
}

type Ack = (reply: PingReply) => void;

function isAck(value: unknown): value is Ack {
  return typeof value === 'function';
}

/**
 * Handles `socket.emit('ping', ack)`. The ack is the last argument, so `emit('ping', data,
 * ack)` works too; a ping without one is counted by the caller and otherwise ignored,
 * because a client's mistake must not throw inside the server.
 */
export function answerPing(args: readonly unknown[]): void {
  const ack = args.at(-1);
  if (isAck(ack)) ack({ pong: true, pid: process.pid, time: Date.now() });
}

/** What the server acknowledges a `status` with: always the same, for a check to compare. */
export const STATUS_REPLY = Object.freeze({ ok: true });

/**
 * Handles `socket.emit('status', ack)`: a health check's event (health.custom, type
 * socketio) that expects a fixed answer. Like `ping`, without an ack it does nothing.
 */
export function answerStatus(args: readonly unknown[]): void {
  const ack = args.at(-1);
  if (typeof ack === 'function') (ack as (reply: typeof STATUS_REPLY) => void)(STATUS_REPLY);
}
