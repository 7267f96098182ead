import { endianness } from 'node:os';

/**
 * The text of /proc/net/tcp and tcp6 (or /proc/PID/net/…), decoded once for the two that
 * read it: the hang report (which port the inspector opened) and the state file's check
 * that a pid holds the port it names. Both live in this app, so this does too.
 */

/** A listening TCP socket: its address as Node writes one, its port and its inode. */
export interface ListeningSocket {
  /** `127.0.0.1`, `::`, `::ffff:127.0.0.1`. */
  readonly address: string;
  readonly port: number;
  readonly inode: string;
}

/** TCP_LISTEN in the `st` column. */
const LISTEN = '0A';

/** Every listening socket in the text; lines that do not parse (the header, say) are skipped. */
export function listeningIn(text: string): ListeningSocket[] {
  const found: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (local === undefined || state !== LISTEN || inode === undefined) continue;
    const colon = local.lastIndexOf(':');
    const address = decodeAddress(local.slice(0, colon));
    const port = Number.parseInt(local.slice(colon + 1), 16);
    if (address === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) continue;
    found.push({ address, port, inode });
  }
  return found;
}

/**
 * The kernel's hex of an address: IPv4 as one 32-bit word, IPv6 as four, each printed as a
 * number in the machine's byte order. Written as Node writes addresses (RFC 5952: an
 * IPv4-mapped address in dotted form, the longest run of zero groups as `::`).
 */
export function decodeAddress(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  if (hex.length === 8) return wordBytes(hex).join('.');
  if (hex.length !== 32) return undefined;
  const bytes = [0, 8, 16, 24].flatMap((at) => wordBytes(hex.slice(at, at + 8)));
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return compress(groups);
}

/** The four bytes of one 32-bit word, in address order. */
function wordBytes(hex: string): number[] {
  const bytes = [0, 2, 4, 6].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

/** `0:0:0:0:0:0:0:1` → `::1`: the longest run of two or more zero groups (the first of equals). */
function compress(groups: string[]): string {
  let best = { at: -1, length: 0 };
  for (let at = 0; at < groups.length;) {
    let end = at;
    while (end < groups.length && groups[end] === '0') end += 1;
    if (end - at > best.length && end - at > 1) best = { at, length: end - at };
    at = end === at ? at + 1 : end;
  }
  if (best.at === -1) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}
