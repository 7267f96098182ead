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
