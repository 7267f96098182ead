import { afterEach, describe, expect, it } from '@jest/globals';
import { settle } from '../../../../test/helpers/fake-clock.js';
import { PID, cpuWarning, healthy, hung, stopped } from '../results.js';
import { closeManagers, setup } from './setup.js';

afterEach(closeManagers);

describe('RecoveryManager: a stopped child', () => {
  it('is restarted by signal, and the restart succeeds when the new child is healthy', async () => {
    const { clock, host, manager, seen, check } = setup();
    const decidedAt = clock.now();
    check(stopped);
    expect(host.calls).toEqual([{ kind: 'restart', generation: 1, via: 'signal' }]);
    expect(seen.started).toEqual([expect.objectContaining({ action: 'restart_service', failureClass: 'stopped', breaker: 'closed', generation: 1, pid: PID })]);
    await settle();
    expect(manager.busy).toBe(true);

    // A late round of the old child says nothing about the restart.
    manager.handleResult(healthy(clock.now(), 1));
    expect(seen.events).toEqual([]);

    await clock.advance(4000);
    check(healthy);
    expect(seen.events).toEqual([
      expect.objectContaining({
        id: 1,
        time: new Date(decidedAt).toISOString(),
        action: 'restart_service',
        failureClass: 'stopped',
        severity: 'critical',
        result: 'succeeded',
        breaker: 'closed',
        durationMs: 4000,
        detail: 'restarted child 1 (SIGTERM); healthy again 4000 ms after the decision',
      }),
    ]);
    expect(seen.events[0]?.reason).toContain('did not answer an IPC ping');
    expect(manager.busy).toBe(false);
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [] });
    expect(seen.breaker).toEqual([]);
    expect(manager.events).toEqual(seen.events);
  });

  it('counts a restart whose new child is not healthy within verifyTimeoutMs as failed, and climbs to emergency_stop', async () => {
    const { clock, host, manager, seen, check } = setup();
    check(stopped);
    await settle();
    await clock.advance(29_999);
    expect(seen.events).toEqual([]);
    await clock.advance(1);
    expect(seen.events).toEqual([
      expect.objectContaining({
        action: 'restart_service',
        result: 'failed',
        durationMs: 30_000,
        detail: 'restarted child 1 (SIGTERM); the child was not healthy within verifyTimeoutMs (30000 ms)',
      }),
    ]);
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now()] });
    expect(seen.breaker.map((transition) => transition.to)).toEqual([{ kind: 'closed', recentFailures: [clock.now()] }]);

    check(stopped);
    expect(host.calls.at(-1)).toEqual({ kind: 'emergencyStop', generation: 2 });
    expect(seen.started.at(-1)).toMatchObject({ action: 'emergency_stop', failureClass: 'stopped', generation: 2 });
  });

  it('starts no second action while the first is being verified', async () => {
    const { clock, host, seen, check } = setup();
    check(stopped);
    check(stopped);
    await settle();
    // The new child is no better, but the restart has until verifyTimeoutMs to show.
    for (let round = 0; round < 5; round += 1) {
      await clock.advance(5000);
      check(stopped);
    }
    expect(host.calls).toEqual([{ kind: 'restart', generation: 1, via: 'signal' }]);
    expect(seen.events).toEqual([]);
    expect(seen.started).toHaveLength(1);

    await clock.advance(5000);
    expect(seen.events.map((event) => event.result)).toEqual(['failed']);
  });

  it('ignores expected exits: the old child stopping is part of the restart', async () => {
    const { clock, host, manager, seen, check, exit } = setup();
    check(stopped);
    manager.handleExit({ pid: PID, generation: 1, code: null, signal: 'SIGTERM', uptimeMs: 60_000, expected: true });
    await settle();
    await clock.advance(2000);
    check(healthy);
    expect(seen.events.map((event) => [event.action, event.result])).toEqual([['restart_service', 'succeeded']]);

    exit({ expected: true, uptimeMs: 5000 });
    expect(host.callsOf('respawn')).toEqual([]);
    expect(seen.events).toHaveLength(1);
  });

  it('fails a restart whose new child crashes before it is healthy, and respawns it', async () => {
    const { clock, host, manager, seen, check, exit } = setup();
    check(stopped);
    await settle();
    exit({ signal: 'SIGSEGV', uptimeMs: 800 });
    expect(seen.events).toEqual([
      expect.objectContaining({
        action: 'restart_service',
        failureClass: 'stopped',
        result: 'failed',
        detail: 'restarted child 1 (SIGTERM); the child was killed by SIGSEGV before it was healthy again',
      }),
    ]);
    // One failure: the quick crash is the restart's verdict, not a second count.
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now()] });
    expect(host.callsOf('respawn')).toEqual([{ kind: 'respawn', plan: { delayMs: 0, attempt: 1 } }]);
    expect(seen.started.at(-1)).toMatchObject({ action: 'restart_service', failureClass: 'crashed', generation: 2 });
  });
});

describe('RecoveryManager: a hung child', () => {
  it('is killed at once, even right after a warning was logged, and the kill succeeds when the new child is healthy', async () => {
    const { clock, host, seen, check } = setup();
    check(cpuWarning);
    expect(seen.events.map((event) => [event.action, event.severity])).toEqual([['log_warning', 'warning']]);
    await clock.advance(1000);
    check(hung);
    expect(host.calls).toEqual([{ kind: 'emergencyStop', generation: 1 }]);
    expect(seen.started.at(-1)).toMatchObject({ action: 'emergency_stop', failureClass: 'hung', generation: 1 });
    await settle();
    await clock.advance(500);
    check(healthy);
    expect(seen.events.at(-1)).toMatchObject({ action: 'emergency_stop', failureClass: 'hung', result: 'succeeded' });
  });

  it('tells the host the class it kills for, and keeps the hang report it took with the decision (for /events)', async () => {
    const { clock, host, manager, seen, check } = setup();
    host.hangReport = { kind: 'stack', frames: [{ functionName: 'blockForever', url: 'file:///srv/app.js', line: 30, column: 5 }], depth: 3, tookMs: 120 };
    check(hung);
    expect(host.stopClasses).toEqual(['hung']);
    await settle();
    await clock.advance(500);
    check(healthy);
    expect(seen.events.at(-1)).toMatchObject({ action: 'emergency_stop', result: 'succeeded', hangReport: host.hangReport });
    expect(manager.events.at(-1)?.hangReport).toEqual(host.hangReport);
  });

  it('records no hangReport field when the host took none', async () => {
    const { clock, seen, check } = setup();
    check(hung);
    await settle();
    await clock.advance(500);
    check(healthy);
    expect(seen.events.at(-1)).not.toHaveProperty('hangReport');
  });
});
