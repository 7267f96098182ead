import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { endianness } from 'node:os';
import { socketInodes } from '../forensics/proc-sockets.js';

/** TCP_LISTEN in /proc/net/tcp's `st` column. */
const LISTEN = '0A';

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

interface ListeningSocket {
  /** As node writes it: `127.0.0.1`, `::`, `::ffff:127.0.0.1`. */
  readonly address: string;
  readonly inode: string;
}

function reaches(address: string, host: string, family: number): boolean {
  if (address === host) return true;
  if (family === 4) return address === '0.0.0.0' || address === '::' || address === `::ffff:${host}`;
  return address === '::';
}

function listeningSockets(port: number): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const [file, family] of [['/proc/net/tcp', 4], ['/proc/net/tcp6', 6]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // No IPv6 on this machine, say.
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== LISTEN) continue;
      const [addressHex, portHex] = fields[1]!.split(':');
      if (addressHex === undefined || Number.parseInt(portHex ?? '', 16) !== port) continue;
      sockets.push({ address: family === 4 ? ipv4Of(addressHex) : ipv6Of(addressHex), inode: fields[9]! });
    }
  }
  return sockets;
}

/** The kernel prints each 32-bit word of an address as a number in host byte order. */
function wordBytes(hex: string): number[] {
  const bytes = [0, 2, 4, 6].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

function ipv4Of(hex: string): string {
  return wordBytes(hex).join('.');
}

function ipv6Of(hex: string): string {
  const bytes = [0, 8, 16, 24].flatMap((at) => wordBytes(hex.slice(at, at + 8)));
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return compress(groups);
}

/** `0:0:0:0:0:0:0:1` → `::1`, as node writes addresses. */
function compress(groups: string[]): string {
  let best = { at: -1, length: 0 };
  for (let at = 0; at < groups.length; ) {
    let end = at;
    while (end < groups.length && groups[end] === '0') end += 1;
    if (end - at > best.length && end - at > 1) best = { at, length: end - at };
    at = end === at ? at + 1 : end;
  }
  if (best.at === -1) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}
