import { isIPv4, isIPv6 } from 'node:net';
import { isLoopbackHost } from './bind-policy.js';
import type { ServerLimits } from './limits.js';

/** Every loopback client shares this peer: one per-peer cap would starve them all alike. */
export const LOOPBACK_PEER = 'loopback';

/**
 * Whom a connection counts against: an IPv4 address, or an IPv6 /64 (one host usually
 * holds a whole /64, so counting single addresses would be no cap at all).
 */
export function peerOf(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  if (isLoopbackHost(address)) return LOOPBACK_PEER;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return mapped;
  if (isIPv4(address) || !isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** What the policy needs to know of an open connection. */
export interface OpenConnection {
  readonly peer: string;
  /** No request in flight: silent so far, between requests, or still sending its head. */
  readonly idle: boolean;
}

export type ShedReason = 'server_full' | 'peer_full';

export type Admission<C extends OpenConnection> =
  { readonly kind: 'admit' } | { readonly kind: 'evict'; readonly victim: C; readonly reason: ShedReason } | { readonly kind: 'refuse'; readonly reason: ShedReason };

export type AdmissionLimits = Pick<ServerLimits, 'maxConnections' | 'maxConnectionsPerPeer'>;

/**
 * Whether a new connection from `peer` may join `open` (oldest first), and whom it
 * replaces. A full peer (never loopback) gives up its own oldest idle connection; a full
 * server the oldest idle one of the peer that holds the most, so that a flood makes
 * room with its own connections before anyone else's. With nothing idle, the newcomer is
 * refused: connections with an answer on its way or an open event stream are never cut.
 */
export function admission<C extends OpenConnection>(open: readonly C[], peer: string, limits: AdmissionLimits): Admission<C> {
  const held = new Map<string, number>();
  for (const connection of open) held.set(connection.peer, (held.get(connection.peer) ?? 0) + 1);
  if (peer !== LOOPBACK_PEER && (held.get(peer) ?? 0) >= limits.maxConnectionsPerPeer) {
    const victim = open.find((connection) => connection.idle && connection.peer === peer);
    return victim === undefined ? { kind: 'refuse', reason: 'peer_full' } : { kind: 'evict', victim, reason: 'peer_full' };
  }
  if (open.length < limits.maxConnections) return { kind: 'admit' };
  let victim: C | undefined;
  for (const connection of open) {
    if (connection.idle && (victim === undefined || held.get(connection.peer)! > held.get(victim.peer)!)) victim = connection;
  }
  return victim === undefined ? { kind: 'refuse', reason: 'server_full' } : { kind: 'evict', victim, reason: 'server_full' };
}
