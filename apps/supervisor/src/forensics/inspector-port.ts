import { setTimeout as sleep } from 'node:timers/promises';
import { abortError, ForensicsError } from './cdp-session.js';
import type { ListeningSocket } from './proc-net-tcp.js';
import { isLoopback, listeningSockets } from './proc-sockets.js';

/** How often the child's sockets are read while its inspector starts (it took 12–60 ms here). */
const POLL_MS = 10;

/** Where to reach an inspector: the address it listens on, or loopback for a wildcard one. */
export interface InspectorAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * The port the inspector of `pid` opened after SIGUSR1: a listening socket of that
 * process that was not there `before` (the inodes read before the signal). Read from
 * /proc, not from the child's stderr or a fixed port, so that it is this child's own
 * socket whatever else listens on the machine. Polls until `signal` ends the wait.
 */
export async function waitForInspectorPort(pid: number, before: ReadonlySet<string>, signal: AbortSignal): Promise<InspectorAddress> {
  for (;;) {
    const fresh = listeningSockets(pid).filter((socket) => !before.has(socket.inode));
    if (fresh.length > 0) return addressOf(fresh);
    try {
      await sleep(POLL_MS, undefined, { signal, ref: false });
    } catch {
      throw abortError(signal);
    }
  }
}

/** A loopback socket first; a wildcard one is reached over loopback; any other is not for us. */
export function addressOf(fresh: readonly ListeningSocket[]): InspectorAddress {
  const loopback = fresh.find((socket) => isLoopback(socket.address));
  if (loopback !== undefined) return { host: loopback.address.replace(/^::ffff:/, ''), port: loopback.port };
  const wildcard = fresh.find((socket) => socket.address === '0.0.0.0' || socket.address === '::');
  if (wildcard !== undefined) return { host: wildcard.address === '::' ? '::1' : '127.0.0.1', port: wildcard.port };
  const [first] = fresh;
  throw new ForensicsError(`the new listening socket is on ${first?.address ?? '?'}:${first?.port ?? '?'}, not on loopback: not connecting to it`);
}
