import type { Server as NetServer } from 'node:net';
import type { Server } from 'socket.io';

export interface ListenAddress {
  /** null when the server listens on a pipe. */
  readonly port: number | null;
  readonly address: string | null;
}

export interface ListeningWatch {
  /** Looks again for io.httpServer, which io.attach() or io.listen() may have set since. */
  check(): void;
  stop(): void;
}

type HttpServer = Pick<NetServer, 'listening' | 'address' | 'once' | 'off'>;

function addressOf(server: HttpServer): ListenAddress {
  const address = server.address();
  if (address === null) return { port: null, address: null };
  return typeof address === 'string' ? { port: null, address } : { port: address.port, address: address.address };
}

/**
 * Calls `onListening` once, when the io's HTTP server listens: at once if it already does.
 * A Server created without one gets it on io.attach()/io.listen(); the usual order, attach
 * the agent and then listen in the same tick, is caught by a look on the next turn, and
 * any later one by `check()`, which the agent calls on each supervisor message and each
 * connection.
 */
export function watchListening(io: Server, onListening: (address: ListenAddress) => void): ListeningWatch {
  let done = false;
  let hooked: HttpServer | undefined;
  let nextTurn: NodeJS.Immediate | undefined;

  const unhook = (): void => {
    hooked?.off('listening', onEvent);
    hooked = undefined;
    if (nextTurn !== undefined) clearImmediate(nextTurn);
    nextTurn = undefined;
  };
  function onEvent(): void {
    if (hooked !== undefined) fire(hooked);
  }
  const fire = (server: HttpServer): void => {
    if (done) return;
    done = true;
    unhook();
    onListening(addressOf(server));
  };
  const check = (): void => {
    // Typed as always present, io.httpServer is undefined until the io is attached.
    const server = io.httpServer as HttpServer | undefined;
    if (done || server === undefined || server === hooked) return;
    if (server.listening) {
      fire(server);
      return;
    }
    hooked?.off('listening', onEvent);
    server.once('listening', onEvent);
    hooked = server;
  };

  check();
  if (!done && hooked === undefined) {
    nextTurn = setImmediate(() => {
      nextTurn = undefined;
      check();
    });
    nextTurn.unref();
  }
  return {
    check,
    stop: () => {
      done = true;
      unhook();
    },
  };
}
