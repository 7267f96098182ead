import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { listeningIn, type ListeningSocket } from '../forensics/proc-net-tcp.js';
import { socketInodes } from '../forensics/proc-sockets.js';

/**
 * Whether a connection to host:port from here reaches a listening socket of `pid`: every
 * listening socket in this network namespace that such a connection could reach (on that
 * address, or on the unspecified address of its family) is one of the process's open
 * files. A state file names a pid and a port; this is what ties the two together, so
 * that `status` sends its token to the supervisor and not to whoever holds the port.
 * Linux only: false where /proc does not tell.
 */
export function listensOn(pid: number, host: string, port: number): boolean {
  const family = isIP(host);
  if (family === 0) return false;
  const candidates = listeningSockets(port).filter((socket) => reaches(socket.address, host, family));
  if (candidates.length === 0) return false;
  const held = socketInodes(pid);
  return candidates.every((socket) => held.has(socket.inode));
}

function reaches(address: string, host: string, family: number): boolean {
  if (address === host) return true;
  if (family === 4) return address === '0.0.0.0' || address === '::' || address === `::ffff:${host}`;
  return address === '::';
}

/** The listening sockets on `port` in this network namespace, IPv4 and IPv6. */
function listeningSockets(port: number): ListeningSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => {
    try {
      return listeningIn(readFileSync(file, 'utf8')).filter((socket) => socket.port === port);
    } catch {
      return []; // No IPv6 on this machine, say.
    }
  });
}
