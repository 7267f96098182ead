import { describe, expect, it } from '@jest/globals';
import { LOOPBACK_PEER, admission, peerOf, type OpenConnection } from '../src/connection-policy.js';

const limits = { maxConnections: 4, maxConnectionsPerPeer: 2 };
const conn = (name: string, peer: string, idle: boolean): OpenConnection & { name: string } => ({ name, peer, idle });

describe('peerOf', () => {
  it.each([
    ['127.0.0.1', LOOPBACK_PEER],
    ['127.8.0.1', LOOPBACK_PEER],
    ['::1', LOOPBACK_PEER],
    ['::ffff:127.0.0.1', LOOPBACK_PEER],
    ['10.1.2.3', '10.1.2.3'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:aa:bb:1:2:3:4', '2001:db8:aa:bb::/64'],
    ['2001:db8:aa:bb::9', '2001:db8:aa:bb::/64'],
    ['2001:DB8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0001::1', '2001:db8:0:1::/64'],
    ['fe80::1', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s counts as %s', (address, peer) => {
    expect(peerOf(address)).toBe(peer);
  });
});

describe('admission', () => {
  it('admits below the limits', () => {
    expect(admission([conn('a', '10.0.0.1', false)], '10.0.0.1', limits)).toEqual({ kind: 'admit' });
  });

  it("makes room at a full peer with that peer's oldest idle connection, or refuses", () => {
    const open = [conn('a', '10.0.0.1', false), conn('b', '10.0.0.2', true), conn('c', '10.0.0.1', true)];
    expect(admission(open, '10.0.0.1', limits)).toEqual({ kind: 'evict', victim: open[2], reason: 'peer_full' });
    const busy = [conn('a', '10.0.0.1', false), conn('b', '10.0.0.2', true), conn('c', '10.0.0.1', false)];
    expect(admission(busy, '10.0.0.1', limits)).toEqual({ kind: 'refuse', reason: 'peer_full' });
  });

  it('never caps loopback per peer', () => {
    const open = [conn('a', LOOPBACK_PEER, true), conn('b', LOOPBACK_PEER, true), conn('c', LOOPBACK_PEER, true)];
    expect(admission(open, LOOPBACK_PEER, limits)).toEqual({ kind: 'admit' });
  });

  it('makes room at a full server with the oldest idle connection of the peer that holds the most', () => {
    const open = [conn('a', '10.0.0.9', true), conn('b', LOOPBACK_PEER, false), conn('c', LOOPBACK_PEER, true), conn('d', LOOPBACK_PEER, true)];
    expect(admission(open, '10.0.0.1', limits)).toEqual({ kind: 'evict', victim: open[2], reason: 'server_full' });
    const even = [conn('a', '10.0.0.9', true), conn('b', '10.0.0.8', true), conn('c', '10.0.0.9', false), conn('d', '10.0.0.8', false)];
    expect(admission(even, LOOPBACK_PEER, limits)).toEqual({ kind: 'evict', victim: even[0], reason: 'server_full' });
  });

  it('refuses at a full server when nothing is idle', () => {
    const open = ['a', 'b', 'c', 'd'].map((name) => conn(name, LOOPBACK_PEER, false));
    expect(admission(open, LOOPBACK_PEER, limits)).toEqual({ kind: 'refuse', reason: 'server_full' });
  });
});
