import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A listening TCP socket of one process, as /proc tells it. */
export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
  readonly inode: string;
}

/** st 0A in /proc/net/tcp: TCP_LISTEN. */
const LISTEN = '0A';

/**
 * The listening sockets in the text of /proc/PID/net/tcp or tcp6, among `inodes` only:
 * those files list every socket of the network namespace, so a socket is the process's
 * when its inode is one of the process's descriptors. Lines that do not parse are skipped.
 */
export function parseListening(text: string, inodes: ReadonlySet<string>): ListeningSocket[] {
  const found: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (local === undefined || state !== LISTEN || inode === undefined || !inodes.has(inode)) continue;
    const colon = local.lastIndexOf(':');
    const address = decodeAddress(local.slice(0, colon));
    const port = Number.parseInt(local.slice(colon + 1), 16);
    if (address === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) continue;
    found.push({ address, port, inode });
  }
  return found;
}

/**
 * The kernel's hex of an address: IPv4 as one 32-bit word, IPv6 as four, each in the
 * machine's byte order (little-endian on every architecture Node runs on here).
 */
export function decodeAddress(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes = (word: string): number[] => [6, 4, 2, 0].map((at) => Number.parseInt(word.slice(at, at + 2), 16));
  if (hex.length === 8) return bytes(hex).join('.');
  if (hex.length !== 32) return undefined;
  const all = [0, 8, 16, 24].flatMap((at) => bytes(hex.slice(at, at + 8)));
  if (all.slice(0, 10).every((byte) => byte === 0) && all[10] === 0xff && all[11] === 0xff) return `::ffff:${all.slice(12).join('.')}`;
  const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((at) => ((all[at]! << 8) | all[at + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
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
