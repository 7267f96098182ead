import { describe, expect, it } from '@jest/globals';
import { parseAgentMessage, parseSupervisorMessage } from '../src/index.js';

const STATS = { clients: 0, eventsTotal: 0, errorsTotal: 0, eventLoopLagMs: 0.5, heapUsedBytes: 10, uptimeSeconds: 1.5, lastEventAt: 1_700_000_000_000 };

describe('parseAgentMessage', () => {
  it('reads each message the agent sends', () => {
    expect(parseAgentMessage({ type: 'mpm:ready', port: 3000, address: '::' })).toEqual({ kind: 'message', message: { type: 'mpm:ready', port: 3000, address: '::' } });
    expect(parseAgentMessage({ type: 'mpm:ready', port: null, address: null }).kind).toBe('message');
    expect(parseAgentMessage({ type: 'mpm:pong', id: 3, stats: STATS, extra: true })).toEqual({ kind: 'message', message: { type: 'mpm:pong', id: 3, stats: STATS } });
    expect(parseAgentMessage({ type: 'mpm:ack', id: 4, disconnected: 0 }).kind).toBe('message');
  });

  it('ignores what is not ours', () => {
    for (const value of [null, 'mpm:ready', 42, [], { type: 'ready' }, { kind: 'mpm:ready' }, { type: 7 }]) {
      expect(parseAgentMessage(value)).toEqual({ kind: 'foreign' });
    }
  });

  it('names the field that is wrong in a message of ours', () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'mpm:ready', port: 70_000, address: null }, 'port: expected a port number or null'],
      [{ type: 'mpm:ready', port: 1, address: 5 }, 'address: expected a string or null'],
      [{ type: 'mpm:pong', id: -1, stats: STATS }, 'id: expected a whole number'],
      [{ type: 'mpm:pong', id: 1 }, 'stats: expected an object'],
      [{ type: 'mpm:pong', id: 1, stats: { ...STATS, eventLoopLagMs: Number.NaN } }, 'stats.eventLoopLagMs: expected a number ≥ 0'],
      [{ type: 'mpm:pong', id: 1, stats: { ...STATS, lastEventAt: 'now' } }, 'stats.lastEventAt: expected a time in ms or null'],
      [{ type: 'mpm:ack', id: 1, disconnected: 1.5 }, 'disconnected: expected a whole number ≥ 0'],
      [{ type: 'mpm:ping', id: 1 }, 'unknown message type'],
    ];
    for (const [value, reason] of cases) expect(parseAgentMessage(value)).toMatchObject({ kind: 'invalid', reason });
  });
});

describe('parseSupervisorMessage', () => {
  it('reads each message the supervisor sends and rejects bad ones', () => {
    expect(parseSupervisorMessage({ type: 'mpm:ping', id: 1 })).toEqual({ kind: 'message', message: { type: 'mpm:ping', id: 1 } });
    expect(parseSupervisorMessage({ type: 'mpm:clear-connections', id: 2 }).kind).toBe('message');
    expect(parseSupervisorMessage({ type: 'mpm:shutdown', id: 3, graceMs: 5000 })).toEqual({ kind: 'message', message: { type: 'mpm:shutdown', id: 3, graceMs: 5000 } });
    expect(parseSupervisorMessage({ type: 'mpm:shutdown', id: 3 })).toMatchObject({ kind: 'invalid', reason: 'graceMs: expected a number of milliseconds ≥ 0' });
    expect(parseSupervisorMessage({ type: 'mpm:ping' })).toMatchObject({ kind: 'invalid', reason: 'id: expected a whole number' });
    expect(parseSupervisorMessage({ type: 'mpm:pong', id: 1 })).toMatchObject({ kind: 'invalid', reason: 'unknown message type' });
    expect(parseSupervisorMessage({ hello: 1 })).toEqual({ kind: 'foreign' });
  });
});
