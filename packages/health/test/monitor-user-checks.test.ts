import { describe, expect, it } from '@jest/globals';
import { BreachCounter, DEFAULT_THRESHOLDS, failed, rated, type CheckContext, type HealthChecker, type HealthMetric, type HealthTarget } from '../src/index.js';
import { FakeClock } from '../../../test/helpers/fake-clock.js';
import { monitorWith, readyAgent, round, target as targetWithPort } from './monitor-setup.js';

// The monitor with user-defined checks (health.custom) beside the built-in ones: their own
// failureThreshold and timeout, no say in a new child's readiness, replaced on a reload.

type Reading = (now: number) => HealthMetric[] | Promise<HealthMetric[]>;

function checker(name: string, metric: string, reading: Reading, extra: Partial<HealthChecker> = {}): HealthChecker & { closed: number; reading: Reading } {
  const made: HealthChecker & { closed: number; reading: Reading } = {
    name,
    probe: false,
    metrics: [metric],
    closed: 0,
    reading,
    check: async (_target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> => made.reading(context.now()),
    close: () => {
      made.closed += 1;
    },
    ...extra,
  };
  return made;
}

/** A user-defined check whose answer the test flips. */
function userCheck(name: string, extra: Partial<HealthChecker> = {}) {
  const state = { ok: true };
  const made = checker(name, name, (now) => (state.ok ? [rated(name, 3, 'ms', null, now)] : [failed(name, 'ms', `${name}: HTTP 503`, now)]), { userDefined: true, ...extra });
  return Object.assign(state, { checker: made });
}

/** These tests probe nothing: a child without a port, unless a test gives one. */
const target = (clock: FakeClock, overrides: Partial<HealthTarget> = {}): HealthTarget => targetWithPort(clock, { address: undefined, ...overrides });

const cpu = () => checker('process', 'cpuPercent', (now) => [rated('cpuPercent', 1, 'percent', DEFAULT_THRESHOLDS.cpuPercent, now)]);

describe('BreachCounter with a failureThreshold of its own for some metrics', () => {
  it('counts each metric against its own', () => {
    const counter = new BreachCounter();
    const bad = [failed('db', 'ms', 'down', 1), failed('tcpLatencyMs', 'ms', 'refused', 1)];
    const own = new Map([['db', 1]]);
    expect(counter.apply(bad, 3, own).map((metric) => metric.status)).toEqual(['critical', 'warning']);
    expect(counter.apply(bad, 3, own).map((metric) => metric.status)).toEqual(['critical', 'warning']);
    const third = counter.apply(bad, 3, own);
    expect(third.map((metric) => [metric.status, metric.breaches])).toEqual([
      ['critical', 3],
      ['critical', 3],
    ]);
  });

  it('says how far along a metric is by its own threshold', () => {
    const [db] = new BreachCounter().apply([failed('db', 'ms', 'db: HTTP 503', 1)], 3, new Map([['db', 5]]));
    expect(db).toMatchObject({ status: 'warning', breaches: 1, message: 'db: HTTP 503 (1 of 5 in a row before critical)' });
  });
});

describe('HealthMonitor with user-defined checks', () => {
  it("counts a check's breaches against its own failureThreshold, the built-in ones against the monitor's", async () => {
    const clock = new FakeClock();
    const api = userCheck('api', { failureThreshold: 2 });
    const port = checker('network', 'tcpLatencyMs', (now) => [failed('tcpLatencyMs', 'ms', 'refused', now)], { probe: true });
    const { monitor } = monitorWith(clock, [port, api.checker]);
    monitor.watch(target(clock, { agent: readyAgent }));
    api.ok = false;
    const first = await round(monitor);
    expect(first.metrics.map((metric) => [metric.name, metric.status, metric.breaches])).toEqual([
      ['tcpLatencyMs', 'warning', 1],
      ['api', 'warning', 1],
    ]);
    const second = await round(monitor);
    expect(second.metrics.map((metric) => [metric.name, metric.status])).toEqual([
      ['tcpLatencyMs', 'warning'],
      ['api', 'critical'],
    ]);
    expect(second.checks[1]).toMatchObject({ name: 'api', status: 'critical', userDefined: true });
    expect(second.checks[0]).not.toHaveProperty('userDefined');
    monitor.close();
  });

  it('gives a check its own timeout, never longer than the interval', async () => {
    const clock = new FakeClock();
    const hang: Reading = () => new Promise<HealthMetric[]>(() => undefined);
    const quick = checker('quick', 'quick', hang, { userDefined: true, timeoutMs: 100 });
    const long = checker('long', 'long', hang, { userDefined: true, timeoutMs: 60_000 });
    const { monitor, results } = monitorWith(clock, [cpu(), quick, long], { intervalMs: 1000, probeTimeoutMs: 500 }, true);
    monitor.watch(target(clock));
    await clock.advance(500);
    expect(results).toHaveLength(0);
    // The round waits for the slowest: "long" gets the interval (1000 ms) and the grace.
    await clock.advance(1249);
    expect(results).toHaveLength(0);
    await clock.advance(1);
    expect(results).toHaveLength(1);
    expect(results[0]?.checks.map((check) => check.error)).toEqual([undefined, 'the quick check did not finish within 350 ms', 'the long check did not finish within 1250 ms']);
    monitor.close();
  });

  it('does not let a failing check keep a child with nothing to probe from being ready, nor make it ready', async () => {
    const clock = new FakeClock();
    const db = userCheck('db');
    db.ok = false;
    const { monitor } = monitorWith(clock, [cpu(), db.checker], { failureThreshold: 1 });
    monitor.watch(target(clock));
    const result = await round(monitor);
    expect(result).toMatchObject({ readiness: 'ready', status: 'critical' });
    expect(result.metrics[1]).toMatchObject({ name: 'db', status: 'critical' });
    monitor.close();
  });

  it('shows a failing check as starting while the child is not ready, as a failing probe', async () => {
    const clock = new FakeClock();
    const api = userCheck('api');
    api.ok = false;
    const port = checker('network', 'tcpLatencyMs', (now) => [failed('tcpLatencyMs', 'ms', 'refused', now)], { probe: true, needsAddress: true });
    const address = { host: '127.0.0.1', port: 3000, url: 'http://127.0.0.1:3000', shownUrl: 'http://127.0.0.1:3000', source: 'port' as const, path: '/socket.io/', tls: { rejectUnauthorized: true } };
    const { monitor } = monitorWith(clock, [port, api.checker], { failureThreshold: 1 });
    monitor.watch(target(clock, { address }));
    const result = await round(monitor);
    expect(result).toMatchObject({ readiness: 'starting', status: 'starting' });
    expect(result.metrics[1]).toMatchObject({ name: 'api', status: 'starting', message: 'not ready yet: api: HTTP 503' });
    monitor.close();
  });

  it('runs another set of checkers from the next round, and closes the ones left out once no round uses them', async () => {
    const clock = new FakeClock();
    const keep = userCheck('keep');
    let release: () => void = () => undefined;
    const slow = checker('old', 'old', (now) => new Promise((resolve) => (release = () => resolve([rated('old', 1, 'ms', null, now)]))), { userDefined: true });
    const added = userCheck('added');
    const { monitor } = monitorWith(clock, [cpu(), keep.checker, slow]);
    monitor.watch(target(clock));
    const inFlight = monitor.runRound();
    monitor.replaceCheckers([cpu(), keep.checker, added.checker]);
    expect(slow.closed).toBe(0);
    release();
    const old = await inFlight;
    expect(old?.checks.map((check) => check.name)).toEqual(['process', 'keep', 'old']);
    await Promise.resolve();
    expect(slow.closed).toBe(1);
    expect(keep.checker.closed).toBe(0);
    expect((await round(monitor)).checks.map((check) => check.name)).toEqual(['process', 'keep', 'added']);
    monitor.close();
    expect(keep.checker.closed).toBe(1);
  });
});
