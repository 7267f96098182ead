import type { Socket } from 'socket.io';

/** The event a client emits to make the server raise a real socket error. */
export const FAIL_EVENT = 'fail';

/**
 * Rejects every `fail` event in a socket middleware, so that socket.io emits 'error' on
 * the server socket as it would for any rejected packet (and the agent counts it in
 * errorsTotal). The client is told nothing; the server logs one line per rejection.
 */
export function rejectFailEvents(socket: Socket, log: (line: string) => void): void {
  socket.use(([event], next) => {
    next(event === FAIL_EVENT ? new Error(`rejected a ${FAIL_EVENT} event`) : undefined);
  });
  socket.on('error', (error) => log(`demo-server socket ${socket.id} error: ${error.message}`));
}
