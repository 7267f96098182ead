import { afterEach, describe, expect, it } from '@jest/globals';
import type { RecoverySettings } from '../../src/index.js';
import { settle } from '../../../../test/helpers/fake-clock.js';
import { SETTINGS } from '../settings.js';
import { healthy, stopped } from '../results.js';
import { closeManagers, crashUntilOpen, setup } from './setup.js';

afterEach(closeManagers);

describe('RecoveryManager: the breaker and a child that stays up', () => {
  it('opens after failed restarts, then leaves the child as it is until its trial', async () => {
    const { clock, host, manager, seen, check, results } = setup();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      check(stopped);
      await clock.advance(30_000);
    }
    expect(host.calls.map((call) => call.kind)).toEqual(['restart', 'emergencyStop', 'emergencyStop', 'emergencyStop', 'emergencyStop']);
    expect(results('failed')).toHaveLength(5);
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 1 });

    check(stopped);
    expect(results('blocked')).toEqual([expect.objectContaining({ action: 'emergency_stop', breaker: 'open', detail: expect.stringContaining('the child is left as it is') })]);
    expect(host.calls).toHaveLength(5);

    // One blocked record per open, however long the child stays critical.
    for (let round = 0; round < 59; round += 1) {
      await clock.advance(5000);
      check(stopped);
    }
    expect(results('blocked')).toHaveLength(1);
    await clock.advance(5000 - 1);
    expect(manager.breaker.state.kind).toBe('open');
    expect(host.calls).toHaveLength(5);
    await clock.advance(1);
    expect(manager.breaker.state.kind).toBe('half_open');
    check(stopped);
    // The open outlasted failureWindowMs: the failed attempts are forgotten and the trial starts at the floor.
    expect(host.calls.slice(5)).toEqual([{ kind: 'restart', generation: 6, via: 'signal' }]);
    expect(seen.started.at(-1)).toMatchObject({ action: 'restart_service', breaker: 'half_open', detail: 'trial of half_open' });
  });

  it('opens again when the child fails after its half-open trial, before successThreshold healthy checks', async () => {
    const { clock, host, manager, seen, check, results } = setup();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      check(stopped);
      await clock.advance(30_000);
    }
    check(stopped);
    expect(results('blocked')).toHaveLength(1);
    await clock.advance(300_000);
    check(stopped);
    await settle();
    await clock.advance(3000);
    check(healthy);
    expect(seen.events.at(-1)).toMatchObject({ action: 'restart_service', result: 'succeeded', breaker: 'half_open' });

    await clock.advance(7000);
    check(stopped);
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 2 });
    // A new open: a new blocked record, and again only one for all of it.
    expect(results('blocked')).toHaveLength(2);
    expect(results('blocked').at(-1)).toMatchObject({ breaker: 'open', detail: expect.stringContaining('half-opens in 600 s') });
    for (let round = 0; round < 119; round += 1) {
      await clock.advance(5000);
      check(stopped);
    }
    expect(results('blocked')).toHaveLength(2);
    expect(host.calls).toHaveLength(6);

    await clock.advance(5000);
    check(stopped);
    expect(seen.started.at(-1)).toMatchObject({ breaker: 'half_open', detail: 'trial of half_open' });
    expect(host.calls).toHaveLength(7);
  });

  it('keeps the breaker open across update(), until the end the open had', async () => {
    const context = setup();
    const { clock, host, manager } = context;
    await crashUntilOpen(context);
    const open = manager.breaker.state;
    expect(open.kind).toBe('open');
    const until = (open as { until: number }).until;

    const settings: RecoverySettings = { ...SETTINGS, minActionIntervalMs: 5000, circuitBreaker: { ...SETTINGS.circuitBreaker, timeoutMs: 1000 } };
    manager.update(settings);
    expect(manager.settings).toBe(settings);
    expect(manager.breaker.state).toEqual(open);
    await clock.advance(1000);
    expect(manager.breaker.state).toEqual(open);
    expect(host.callsOf('respawn')).toHaveLength(4);

    await clock.advance(until - clock.now());
    expect(manager.breaker.state.kind).toBe('half_open');
    expect(host.callsOf('respawn')).toHaveLength(5);
  });
});

describe('RecoveryManager: a child that flaps between brief health and failure', () => {
  it('opens the breaker: a recovery that works does not wipe the failures before it', async () => {
    const { clock, host, manager, check, results } = setup();
    // Each round: a recovery that does not help, then one after which the child is healthy for a moment.
    for (let round = 1; round <= 5; round += 1) {
      check(stopped);
      await clock.advance(30_000);
      expect(results('failed')).toHaveLength(round);
      if (round === 5) break;
      expect(manager.breaker.state.kind).toBe('closed');
      check(stopped);
      await settle();
      await clock.advance(3000);
      check(healthy);
      expect(results('succeeded')).toHaveLength(round);
      await clock.advance(7000);
    }
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 1 });
    expect(host.calls.map((call) => call.kind)).toEqual(['restart', ...Array.from({ length: 8 }, () => 'emergencyStop')]);

    check(stopped);
    expect(results('blocked')).toEqual([expect.objectContaining({ action: 'emergency_stop', breaker: 'open' })]);
    expect(host.calls).toHaveLength(9);
  });
});
