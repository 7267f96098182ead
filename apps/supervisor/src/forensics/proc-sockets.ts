import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { listeningIn, type ListeningSocket } from './proc-net-tcp.js';

/**
 * The listening sockets in the text of /proc/PID/net/tcp or tcp6, among `inodes` only:
 * those files list every socket of the network namespace, so a socket is the process's
 * when its inode is one of the process's descriptors.
 */
export function parseListening(text: string, inodes: ReadonlySet<string>): ListeningSocket[] {
  return listeningIn(text).filter((socket) => inodes.has(socket.inode));
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/** The inodes of the sockets among /proc/PID/fd; empty when that cannot be read. */
export function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) inodes.add(match[1]!);
    } catch {
      // Closed since the listing.
    }
  }
  return inodes;
}

/**
 * The TCP sockets process `pid` listens on (IPv4 and IPv6). Synchronous, as readProcFacts
 * is: procfs answers in microseconds, and this runs a few times during one hang report.
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = socketInodes(pid);
  if (inodes.size === 0) return [];
  return ['tcp', 'tcp6'].flatMap((file) => {
    try {
      return parseListening(readFileSync(`/proc/${pid}/net/${file}`, 'utf8'), inodes);
    } catch {
      return [];
    }
  });
}
