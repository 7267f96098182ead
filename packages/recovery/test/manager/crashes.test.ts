import { afterEach, describe, expect, it } from '@jest/globals';
import type { RecoverySettings } from '../../src/index.js';
import { SETTINGS } from '../settings.js';
import { PID, healthy, stopped } from '../results.js';
import { closeManagers, crashUntilOpen, setup } from './setup.js';

afterEach(closeManagers);

describe('RecoveryManager: crashes', () => {
  it('respawns after the backoff delay and records the respawn once the new child is healthy', async () => {
    const { clock, host, manager, seen, check, exit } = setup();
    const start = clock.now();
    exit({ uptimeMs: 500 });
    expect(host.calls).toEqual([{ kind: 'respawn', plan: { delayMs: 0, attempt: 1 } }]);
    expect(seen.started).toEqual([expect.objectContaining({ action: 'restart_service', failureClass: 'crashed', generation: 1, detail: 'respawn at once (attempt 1)' })]);
    expect(seen.events).toEqual([]);

    await clock.advance(2000);
    check(healthy);
    expect(seen.events).toEqual([
      expect.objectContaining({
        action: 'restart_service',
        failureClass: 'crashed',
        result: 'succeeded',
        reason: `child ${PID} exited with code 1 after 500 ms up`,
        detail: 'respawned at once (attempt 1); healthy again 2000 ms after the decision',
      }),
    ]);

    exit({ uptimeMs: 3000 });
    expect(host.callsOf('respawn').at(-1)?.plan).toEqual({ delayMs: 100, attempt: 2 });
    await clock.advance(1000);
    check(healthy);
    // A child that stayed up minUptimeMs has earned a fresh start.
    exit({ uptimeMs: 60_000 });
    expect(host.callsOf('respawn').at(-1)?.plan).toEqual({ delayMs: 0, attempt: 1 });
    expect(seen.events.map((event) => event.result)).toEqual(['succeeded', 'succeeded']);
    // The two quick crashes count for the breaker (a respawn that works does not wipe them); the long run does not.
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [start, start + 2000] });
  });

  it('fails a respawn whose child is not healthy within its delay plus verifyTimeoutMs', async () => {
    const { clock, manager, seen, exit } = setup();
    const start = clock.now();
    exit();
    await clock.advance(30_000 - 1);
    expect(seen.events).toEqual([]);
    await clock.advance(1);
    expect(seen.events.map((event) => [event.failureClass, event.result])).toEqual([['crashed', 'failed']]);
    // The first child's quick crash, and the respawn that did not come back.
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [start, start + 30_000] });
  });

  it('opens the breaker in a crash loop, leaves the child down, and respawns once when it half-opens', async () => {
    const context = setup();
    const { clock, host, manager, seen, check, results } = context;
    await crashUntilOpen(context);

    // Five quick crashes: the first child's, and four respawns that failed.
    expect(host.callsOf('respawn').map((call) => call.plan.delayMs)).toEqual([0, 100, 200, 400]);
    expect(results('failed')).toHaveLength(4);
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 1, exhausted: false });
    const opened = seen.breaker.at(-1);
    expect(opened).toMatchObject({ from: { kind: 'closed' }, to: { kind: 'open' }, exhausted: false });
    expect(opened?.from.kind === 'closed' ? opened.from.recentFailures : undefined).toHaveLength(4);
    expect(opened?.reason).toContain('5 failures within 300 s (failureThreshold 5)');
    expect(results('blocked')).toEqual([
      expect.objectContaining({ action: 'restart_service', failureClass: 'crashed', breaker: 'open', detail: expect.stringContaining('the child stays down until then') }),
    ]);

    const openedAt = (manager.breaker.state as { since: number }).since;
    await clock.advance(openedAt + 300_000 - 1 - clock.now());
    expect(host.callsOf('respawn')).toHaveLength(4);
    expect(results('blocked')).toHaveLength(1);

    await clock.advance(1);
    expect(host.callsOf('respawn')).toHaveLength(5);
    expect(host.callsOf('respawn').at(-1)?.plan).toEqual({ delayMs: 800, attempt: 5 });
    expect(seen.started.at(-1)).toMatchObject({ failureClass: 'crashed', breaker: 'half_open' });
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', trial: 'taken' });

    await clock.advance(4000);
    check(healthy);
    expect(seen.events.at(-1)).toMatchObject({ failureClass: 'crashed', result: 'succeeded', breaker: 'half_open' });
    await clock.advance(5000);
    check(healthy);
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', healthyChecks: 2 });
    await clock.advance(5000);
    check(healthy);
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [] });
    expect(seen.breaker.at(-1)).toMatchObject({ from: { kind: 'half_open' }, to: { kind: 'closed' } });
    expect(host.callsOf('respawn')).toHaveLength(5);
    expect(seen.gaveUp).toEqual([]);
  });

  it.each([
    ['quickly (under minUptimeMs)', 2000, 'the half-open trial failed: child 4242 exited with code 1 6200 ms after it started (under child.minUptimeMs, 10000 ms)'],
    ['after minUptimeMs', 10_000, 'the half-open trial failed: failed again after the half-open trial, before successThreshold healthy checks: the child exited with code 1'],
  ])('opens again when the child crashes %s after its half-open trial, before successThreshold healthy checks', async (_name, gapMs, reason) => {
    const context = setup();
    const { clock, host, manager, seen, check, exit, results } = context;
    await crashUntilOpen(context);
    await clock.advance(300_000);
    expect(host.callsOf('respawn')).toHaveLength(5);
    expect(host.callsOf('respawn').at(-1)?.plan.delayMs).toBe(800);
    const startedAt = clock.now() + 800;
    await clock.advance(4000);
    check(healthy);
    expect(seen.events.at(-1)).toMatchObject({ failureClass: 'crashed', result: 'succeeded', breaker: 'half_open' });
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', healthyChecks: 1 });
    await clock.advance(gapMs);
    check(healthy);
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', healthyChecks: 2 });

    await clock.advance(1000);
    exit({ uptimeMs: clock.now() - startedAt });
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 2, exhausted: false });
    expect(
      seen.breaker
        .filter((transition) => transition.to.kind === 'open')
        .map((transition) => transition.reason)
        .at(-1),
    ).toBe(reason);
    expect(results('blocked').at(-1)).toMatchObject({ breaker: 'open', detail: expect.stringContaining('half-opens in 600 s') });
    expect(host.callsOf('respawn')).toHaveLength(5);

    await clock.advance(600_000);
    expect(host.callsOf('respawn')).toHaveLength(6);
  });

  it('opens the breaker in a crash loop whose children each pass a health check before they crash quickly', async () => {
    const { clock, host, manager, seen, check, exit, results } = setup();
    const quickCrash = 'child 4242 exited with code 1 2000 ms after it started (under child.minUptimeMs, 10000 ms)';
    exit({ uptimeMs: 2000 });
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now()] });
    expect(seen.breaker.at(-1)?.reason).toBe(quickCrash);
    for (let crash = 2; crash <= 5; crash += 1) {
      await clock.advance((host.callsOf('respawn').at(-1)?.plan.delayMs ?? 0) + 1000);
      check(healthy);
      expect(seen.events.at(-1)).toMatchObject({ failureClass: 'crashed', result: 'succeeded' });
      await clock.advance(1000);
      exit({ uptimeMs: 2000 });
    }

    expect(host.callsOf('respawn').map((call) => call.plan.delayMs)).toEqual([0, 100, 200, 400]);
    expect(results('succeeded')).toHaveLength(4);
    expect(results('failed')).toEqual([]);
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 1, exhausted: false });
    expect(seen.breaker.at(-1)?.reason).toBe(`5 failures within 300 s (failureThreshold 5); the last: ${quickCrash}`);
    expect(results('blocked')).toEqual([
      expect.objectContaining({ action: 'restart_service', failureClass: 'crashed', breaker: 'open', detail: expect.stringContaining('the child stays down until then') }),
    ]);

    // Down until the open ends, then one trial respawn.
    await clock.advance(300_000 - 1);
    expect(host.callsOf('respawn')).toHaveLength(4);
    await clock.advance(1);
    expect(host.callsOf('respawn')).toHaveLength(5);
    expect(manager.breaker.state).toMatchObject({ kind: 'half_open', trial: 'taken' });
  });

  it('does not count a crash after minUptimeMs up of a child that was healthy', async () => {
    const { clock, host, manager, seen, check, exit, results } = setup();
    for (let crash = 1; crash <= 8; crash += 1) {
      await clock.advance(10_000);
      check(healthy);
      exit({ uptimeMs: 10_000 });
      await clock.advance(100);
    }
    expect(host.callsOf('respawn').map((call) => call.plan)).toEqual(Array.from({ length: 8 }, () => ({ delayMs: 0, attempt: 1 })));
    expect(results('succeeded')).toHaveLength(7);
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [] });
    expect(seen.breaker).toEqual([]);

    // A millisecond less is a quick crash.
    await clock.advance(9_899);
    check(healthy);
    exit({ uptimeMs: 9_999 });
    expect(manager.breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now()] });
  });

  it('forgets quick crashes older than failureWindowMs: a slow crash loop never opens the breaker', async () => {
    const slow: RecoverySettings = { ...SETTINGS, crashBackoff: { initialDelayMs: 75_000, maxDelayMs: 75_000, minUptimeMs: 10_000 } };
    const { clock, host, manager, seen, check, exit } = setup(slow);
    // A quick crash every 80 s: no more than four inside any 300 s.
    for (let crash = 1; crash <= 10; crash += 1) {
      exit({ uptimeMs: 5000 });
      // Each new child is healthy 2 s after its respawn (the first comes at once, the rest after 75 s).
      const delayMs = host.callsOf('respawn').at(-1)?.plan.delayMs ?? 0;
      await clock.advance(delayMs + 2000);
      check(healthy);
      await clock.advance(80_000 - delayMs - 2000);
    }
    expect(host.callsOf('respawn')).toHaveLength(10);
    expect(seen.events.map((event) => event.result)).toEqual(Array.from({ length: 10 }, () => 'succeeded'));
    expect(manager.breaker.state).toMatchObject({ kind: 'closed' });
    expect(manager.breaker.state.kind === 'closed' ? manager.breaker.state.recentFailures : []).toHaveLength(4);
    expect(seen.gaveUp).toEqual([]);
  });

  it('gives up once when the breaker opens maxOpenCycles times in a row, and then does nothing more', async () => {
    const context = setup();
    const { clock, host, manager, seen, check, exit, results } = context;
    await crashUntilOpen(context);
    // Open 1 (300 s), a failed trial, open 2 (600 s), a failed trial, open 3: give up.
    await clock.advance(300_000);
    expect(host.callsOf('respawn')).toHaveLength(5);
    exit();
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 2 });
    expect(results('blocked')).toHaveLength(2);
    await clock.advance(600_000);
    expect(host.callsOf('respawn')).toHaveLength(6);
    expect(seen.gaveUp).toEqual([]);
    exit();

    expect(seen.breaker.at(-1)).toMatchObject({ to: { kind: 'open', opensInARow: 3 }, exhausted: true });
    expect(seen.gaveUp).toHaveLength(1);
    expect(seen.gaveUp[0]).toContain('maxOpenCycles 3');
    expect(host.callsOf('giveUp')).toEqual([{ kind: 'giveUp', reason: seen.gaveUp[0] }]);
    expect(manager.gaveUp).toBe(true);
    expect(manager.breaker.state).toMatchObject({ kind: 'open', opensInARow: 3, exhausted: true });
    expect(host.callsOf('respawn')).toHaveLength(6);

    const calls = host.calls.length;
    const events = seen.events.length;
    exit();
    check(stopped);
    await clock.advance(10 * 2_400_000);
    check(stopped);
    expect(host.calls).toHaveLength(calls);
    expect(seen.events).toHaveLength(events);
    expect(seen.gaveUp).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
