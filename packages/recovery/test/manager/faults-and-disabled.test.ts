import { afterEach, describe, expect, it } from '@jest/globals';
import type { RecoverySettings } from '../../src/index.js';
import { settle } from '../../../../test/helpers/fake-clock.js';
import { SETTINGS } from '../settings.js';
import { cpuCritical, healthy, stopped } from '../results.js';
import { closeManagers, type Context, errors, setup } from './setup.js';

afterEach(closeManagers);

describe('RecoveryManager: a bug in an action', () => {
  async function halfOpenAfterHungRestarts(context: Context): Promise<void> {
    const { clock, manager, check } = context;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      check(stopped);
      await clock.advance(30_000);
    }
    await clock.advance(300_000);
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', trial: 'available' });
  }

  it('that throws where no host call should is told to onError, drops the action, and hands the half-open trial back', async () => {
    const context = setup();
    const { clock, host, manager, seen, check } = context;
    await halfOpenAfterHungRestarts(context);
    const calls = host.calls.length;
    host.throwing.add('clearConnections');
    await clock.advance(10_000);
    check(cpuCritical);
    expect(seen.started.at(-1)).toMatchObject({ action: 'clear_connections', breaker: 'half_open', detail: 'trial of half_open' });
    await settle();
    expect(errors.splice(0)).toEqual([new Error('a bug in clearConnections')]);
    expect(host.calls.slice(calls)).toEqual([{ kind: 'clearConnections', generation: host.generation, path: 'ipc' }]);
    expect(manager.busy).toBe(false);
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', trial: 'available' });
    expect(clock.pending).toBe(0);
    expect(seen.events.filter((event) => event.action === 'clear_connections')).toEqual([]);

    // Nothing is stuck: the next decision takes the trial and acts.
    host.throwing.clear();
    await clock.advance(10_000);
    check(cpuCritical);
    await settle();
    expect(host.callsOf('clearConnections')).toHaveLength(2);
    await clock.advance(5000);
    check(healthy);
    expect(seen.events.at(-1)).toMatchObject({ action: 'clear_connections', result: 'succeeded', breaker: 'half_open' });
    expect(errors).toEqual([]);
  });

  it('whose host call throws is skipped as stale, and the half-open trial is handed back', async () => {
    const context = setup();
    const { clock, host, manager, seen, check } = context;
    await halfOpenAfterHungRestarts(context);
    host.throwing.add('restart');
    check(stopped);
    await settle();
    expect(seen.events.at(-1)).toMatchObject({ action: 'restart_service', breaker: 'half_open', result: 'skipped', skip: 'stale', detail: 'a bug in restart' });
    expect(manager.busy).toBe(false);
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', trial: 'available' });
    expect(clock.pending).toBe(0);
  });
});

describe('RecoveryManager with recovery disabled', () => {
  const disabled: RecoverySettings = { ...SETTINGS, enabled: false };

  it('records what it would have done to a stopped child, and does nothing', async () => {
    const { clock, host, seen, check } = setup(disabled);
    check(stopped);
    expect(seen.events).toEqual([
      expect.objectContaining({
        action: 'restart_service',
        failureClass: 'stopped',
        result: 'skipped',
        skip: 'disabled',
        detail: 'recovery is disabled (--no-recovery): would have done restart_service',
      }),
    ]);
    await clock.advance(60_000);
    check(stopped);
    expect(host.calls).toEqual([]);
    expect(seen.started).toEqual([]);
  });

  it('still respawns every crash, without counting them in the breaker', async () => {
    const { clock, host, manager, seen, exit } = setup(disabled);
    for (let crash = 0; crash < 8; crash += 1) {
      exit();
      await clock.advance(30_000);
    }
    expect(host.callsOf('respawn')).toHaveLength(8);
    expect(seen.events.filter((event) => event.result === 'failed')).toHaveLength(7);
    expect(seen.events.at(-1)?.detail).toContain('recovery is disabled, so no circuit breaker');
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [] });
    expect(seen.breaker).toEqual([]);
  });
});
