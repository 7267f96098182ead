import { afterEach, describe, expect, it } from '@jest/globals';
import { settle } from '../../../../test/helpers/fake-clock.js';
import { cpuCritical, healthy, memoryCritical } from '../results.js';
import { closeManagers, setup } from './setup.js';

afterEach(closeManagers);

describe('RecoveryManager: clear_connections', () => {
  it('without a way to reach the child is skipped as unavailable, and the next rung acts at once', async () => {
    const { clock, host, seen, check } = setup();
    host.path = null;
    // Critical starts on the first rung that acts: the warning was logged rounds ago.
    check(memoryCritical);
    expect(seen.events).toEqual([expect.objectContaining({ action: 'clear_connections', failureClass: 'resource', thresholds: ['memoryMb'], result: 'skipped', skip: 'unavailable' })]);
    expect(host.calls).toEqual([{ kind: 'restart', generation: 1, via: 'message' }]);
    expect(seen.started).toEqual([expect.objectContaining({ action: 'restart_service', failureClass: 'resource' })]);

    await settle();
    await clock.advance(3000);
    check(healthy);
    expect(seen.events.at(-1)).toMatchObject({ action: 'restart_service', result: 'succeeded' });
  });

  it('over IPC has the agent disconnect the clients, and succeeds when the child is healthy', async () => {
    const { clock, host, seen, check } = setup();
    check(cpuCritical);
    expect(host.calls).toEqual([{ kind: 'clearConnections', generation: 1, path: 'ipc' }]);
    await settle();
    await clock.advance(5000);
    check(healthy);
    expect(seen.events.map((event) => [event.action, event.result])).toEqual([['clear_connections', 'succeeded']]);
    expect(seen.events.at(-1)?.detail).toBe('the agent disconnected 12 client(s); healthy again 5000 ms after the decision');
  });

  it('is as far as a busy server goes: cleared at most once per failure window, never restarted, and held quietly', async () => {
    const { clock, host, seen, check } = setup();
    const clearedAt: number[] = [];
    for (let round = 0; round < 120; round += 1) {
      check(cpuCritical);
      if (host.calls.length > clearedAt.length) clearedAt.push(clock.now());
      await clock.advance(5000);
    }
    expect(host.calls.every((call) => call.kind === 'clearConnections')).toBe(true);
    // Ten minutes of a busy server: a clear in each 5-minute window at most.
    expect(clearedAt.length).toBeGreaterThanOrEqual(1);
    expect(clearedAt.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < clearedAt.length; i += 1) expect(clearedAt[i]! - clearedAt[i - 1]!).toBeGreaterThanOrEqual(300_000);
    const first = seen.events.findIndex((event) => event.action === 'clear_connections');
    expect(seen.events[first]).toMatchObject({ result: 'failed' });
    // At the ceiling it says once why it goes no further, then holds: no line every interval.
    const atCeiling = seen.events.filter((event) => event.detail.startsWith('clear_connections is as far as cpuPercent may escalate'));
    expect(atCeiling.length).toBe(clearedAt.length);
    expect(seen.events.length).toBeLessThanOrEqual(3 * clearedAt.length + 1);
  });

  it('that cannot reach a busy server leaves it at logging, saying it could not run', async () => {
    const { clock, host, manager, seen, check } = setup();
    host.path = null;
    check(cpuCritical);
    await clock.advance(10_000);
    check(cpuCritical);
    await clock.advance(10_000);
    check(cpuCritical);
    expect(seen.events.map((event) => [event.action, event.result, event.skip])).toEqual([
      ['clear_connections', 'skipped', 'unavailable'],
      ['log_warning', 'succeeded', undefined],
    ]);
    for (const event of seen.events.slice(1)) {
      expect(event.detail).toBe('clear_connections is as far as cpuPercent may escalate, and it was tried (or could not run) inside failureWindowMs: logging only');
    }
    expect(host.calls).toEqual([]);
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [] });
  });

  it('that the agent does not answer fails at once', async () => {
    const { host, manager, seen, check, clock } = setup();
    host.clearOutcome = { kind: 'failed', reason: 'the agent did not answer mpm:clear-connections within 2000 ms' };
    check(cpuCritical);
    await settle();
    expect(seen.events.at(-1)).toMatchObject({ action: 'clear_connections', result: 'failed', detail: 'the agent did not answer mpm:clear-connections within 2000 ms' });
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now()] });
  });
});
