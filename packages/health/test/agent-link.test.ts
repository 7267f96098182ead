import { describe, expect, it } from '@jest/globals';
import { AgentLink } from '../src/index.js';
import { FakeClock, settle } from '../../../test/helpers/fake-clock.js';

const STATS = { clients: 2, eventsTotal: 10, errorsTotal: 1, eventLoopLagMs: 3, heapUsedBytes: 1024, uptimeSeconds: 5, lastEventAt: null };

/** A link whose child answers as the test says; `sent` is what went over the channel. */
function linkWith(clock: FakeClock, open = true) {
  const sent: Array<Record<string, unknown>> = [];
  const link = new AgentLink(async (message) => {
    if (!open) return false;
    sent.push(message as Record<string, unknown>);
    return true;
  }, clock);
  return { link, sent };
}

describe('AgentLink', () => {
  it('matches a pong to its ping by id and measures the round trip', async () => {
    const clock = new FakeClock();
    const { link, sent } = linkWith(clock);
    const first = link.ping(2000);
    const second = link.ping(2000);
    await settle();
    expect(sent).toEqual([
      { type: 'mpm:ping', id: 1 },
      { type: 'mpm:ping', id: 2 },
    ]);
    await clock.advance(7);
    expect(link.receive({ type: 'mpm:pong', id: 2, stats: { ...STATS, clients: 9 } }).kind).toBe('message');
    expect(link.receive({ type: 'mpm:pong', id: 1, stats: STATS }).kind).toBe('message');
    expect(await first).toEqual({ kind: 'pong', stats: STATS, latencyMs: 7 });
    expect(await second).toMatchObject({ kind: 'pong', stats: { clients: 9 } });
    expect(link.present).toBe(true);
  });

  it('times out a ping nobody answers, and drops the late answer', async () => {
    const clock = new FakeClock();
    const { link } = linkWith(clock);
    const ping = link.ping(500);
    await clock.advance(500);
    expect(await ping).toEqual({ kind: 'timeout', afterMs: 500 });
    expect(link.receive({ type: 'mpm:pong', id: 1, stats: STATS }).kind).toBe('message');
    expect(clock.pending).toBe(0);
  });

  it('says unavailable when the channel is closed or the child is gone', async () => {
    const clock = new FakeClock();
    expect(await linkWith(clock, false).link.ping(500)).toEqual({ kind: 'unavailable', reason: 'the IPC channel is closed' });
    const { link } = linkWith(clock);
    const waiting = link.clearConnections(5000);
    await settle();
    link.close();
    expect(await waiting).toEqual({ kind: 'unavailable', reason: 'the child is gone' });
    expect(await link.ping(100)).toEqual({ kind: 'unavailable', reason: 'the child is gone' });
    expect(await link.shutdown(1000)).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('acks clear-connections with the count, and sends shutdown with its grace', async () => {
    const clock = new FakeClock();
    const { link, sent } = linkWith(clock);
    const cleared = link.clearConnections(1000);
    await settle();
    link.receive({ type: 'mpm:ack', id: 1, disconnected: 25 });
    expect(await cleared).toEqual({ kind: 'ack', disconnected: 25, latencyMs: 0 });
    expect(await link.shutdown(3000)).toBe(true);
    expect(sent.at(-1)).toEqual({ type: 'mpm:shutdown', id: 2, graceMs: 3000 });
  });

  it('remembers mpm:ready and tells its listeners', () => {
    const { link } = linkWith(new FakeClock());
    const heard: unknown[] = [];
    link.onReady((ready) => heard.push(ready));
    expect(link.ready).toBeUndefined();
    link.receive({ type: 'mpm:ready', port: 3000, address: '127.0.0.1' });
    expect(link.ready).toEqual({ type: 'mpm:ready', port: 3000, address: '127.0.0.1' });
    expect(heard).toHaveLength(1);
  });

  it('reports foreign and malformed messages without acting on them', async () => {
    const clock = new FakeClock();
    const { link } = linkWith(clock);
    const ping = link.ping(1000);
    await settle();
    expect(link.receive('hello')).toEqual({ kind: 'foreign' });
    expect(link.receive({ type: 'app:thing' })).toEqual({ kind: 'foreign' });
    expect(link.receive({ type: 'mpm:pong', id: 1, stats: { ...STATS, clients: -1 } })).toEqual({
      kind: 'invalid',
      type: 'mpm:pong',
      reason: 'stats.clients: expected a whole number ≥ 0',
    });
    expect(link.receive({ type: 'mpm:ack', id: 1, disconnected: 3 }).kind).toBe('message');
    expect(link.receive({ type: 'mpm:bogus' })).toMatchObject({ kind: 'invalid', reason: 'unknown message type' });
    expect(link.present).toBe(true);
    await clock.advance(1000);
    expect(await ping).toEqual({ kind: 'timeout', afterMs: 1000 });
  });
});
