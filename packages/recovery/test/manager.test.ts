import { afterEach, describe, expect, it } from '@jest/globals';
import type { HealthCheckResult } from '@mpm/health';
import { RecoveryManager, type ActionStarted, type BreakerTransition, type RecoveryEvent, type RecoverySettings } from '../src/index.js';
import { FakeClock, settle } from '../../../test/helpers/fake-clock.js';
import { FakeHost } from './fake-host.js';
import { SETTINGS } from './settings.js';
import { PID, cpuCritical, cpuWarning, healthy, hung, memoryCritical, stopped } from './results.js';


const running: RecoveryManager[] = [];
let errors: unknown[] = [];

afterEach(() => {
  for (const manager of running.splice(0)) manager.close();
  // A bug in recovery itself surfaces here rather than as a silently dropped action.
  expect(errors).toEqual([]);
  errors = [];
});

function setup(settings: RecoverySettings = SETTINGS) {
  const clock = new FakeClock();
  const host = new FakeHost();
  const manager = new RecoveryManager({ host, settings, clock, onError: (error) => errors.push(error) });
  running.push(manager);
  const seen = { events: [] as RecoveryEvent[], started: [] as ActionStarted[], breaker: [] as BreakerTransition[], gaveUp: [] as string[] };
  manager.on('event', (event) => seen.events.push(event));
  manager.on('started', (started) => seen.started.push(started));
  manager.on('breaker', (transition) => seen.breaker.push(transition));
  manager.on('gaveUp', (reason) => seen.gaveUp.push(reason));

  /** A round of the health monitor against the current child. */
  const check = (make: (at: number, generation: number) => HealthCheckResult): void => manager.handleResult(make(clock.now(), host.generation));
  /** The current child exits. */
  const exit = (options: { uptimeMs?: number; signal?: string; expected?: boolean } = {}): void =>
    manager.handleExit({
      pid: PID,
      generation: host.generation,
      code: options.signal === undefined ? 1 : null,
      signal: options.signal ?? null,
      uptimeMs: options.uptimeMs ?? 50,
      expected: options.expected ?? false,
    });
  const results = (result: RecoveryEvent['result']): RecoveryEvent[] => seen.events.filter((event) => event.result === result);
  return { clock, host, manager, seen, check, exit, results };
}

type Context = ReturnType<typeof setup>;

/**
 * Quick crashes until the breaker opens: the first child's (it was being verified by
 * nobody, and died under minUptimeMs), then failureThreshold - 1 respawns that each die
 * before they are healthy. So failureThreshold exits and failureThreshold - 1 respawns.
 */
async function crashUntilOpen(context: Context): Promise<void> {
  const { clock, host, manager, exit } = context;
  for (let crash = 1; manager.breaker.state.kind === 'closed'; crash += 1) {
    if (crash > 20) throw new Error('the breaker never opened');
    exit();
    const plan = host.callsOf('respawn').at(-1)?.plan;
    await clock.advance((plan?.delayMs ?? 0) + 50);
  }
}

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
      expect.objectContaining({ action: 'restart_service', failureClass: 'stopped', result: 'failed', detail: 'restarted child 1 (SIGTERM); the child was killed by SIGSEGV before it was healthy again' }),
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
    expect(seen.breaker.filter((transition) => transition.to.kind === 'open').map((transition) => transition.reason).at(-1)).toBe(reason);
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
