import { PROBE_AUTH_FIELD, type ProbePingReply } from '@mpm/protocol';
import type { Socket } from 'socket.io';

/** The supervisor's own probe connection says so in its handshake auth. */
export function isProbeSocket(socket: Socket): boolean {
  const auth: unknown = socket.handshake.auth;
  return typeof auth === 'object' && auth !== null && (auth as Record<string, unknown>)[PROBE_AUTH_FIELD] === true;
}

/**
 * Answers PROBE_PING_EVENT. The ack is the last argument when the client asked for one; a
 * ping without one gets nothing, and never a throw inside the server.
 */
export function answerProbePing(args: readonly unknown[]): void {
  const ack = args.at(-1);
  if (typeof ack !== 'function') return;
  const reply: ProbePingReply = { pong: true, pid: process.pid };
  (ack as (reply: ProbePingReply) => void)(reply);
}
