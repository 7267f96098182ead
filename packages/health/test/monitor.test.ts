import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_THRESHOLDS,
  HealthMonitor,
  failed,
  info,
  rated,
  type CheckContext,
  type HealthCheckResult,
  type HealthChecker,
  type HealthMetric,
  type HealthTarget,
  type MonitorSettings,
  type StatusChange,
  type Thresholds,
} from '../src/index.js';
import { FakeClock, settle } from '../../../test/helpers/fake-clock.js';

const SETTINGS: MonitorSettings = {
  intervalMs: 5000,
  probeTimeoutMs: 2000,
  failureThreshold: 3,
  historySize: 100,
  startupTimeoutMs: 30_000,
  thresholds: DEFAULT_THRESHOLDS,
};

type Reading = (now: number, thresholds: Thresholds) => HealthMetric[] | Promise<HealthMetric[]>;

/** A checker that reports whatever the test sets in `reading`. */
function scripted(name: string, metrics: string[], reading: Reading, probe = true): HealthChecker & { reading: Reading; calls: number } {
  const checker = {
    name,
    probe,
    metrics,
    reading,
    calls: 0,
    check: async (_target: HealthTarget, context: CheckContext) => {
      checker.calls += 1;
      return checker.reading(context.now(), context.thresholds);
    },
  };
  return checker;
}

/** An event-loop-lag probe whose value the test sets. */
function lagProbe(initial: number) {
  const probe = scripted('service', ['eventLoopLagMs'], (now, thresholds) => [rated('eventLoopLagMs', state.lag, 'ms', thresholds.eventLoopLagMs, now)]);
  const state = { lag: initial, probe };
  return state;
}

/** An agent that has said mpm:ready: the child is past its start. */
const readyAgent = {
  present: true,
  ready: { type: 'mpm:ready' as const, port: 3000, address: '127.0.0.1' },
  ping: async () => ({ kind: 'unavailable' as const, reason: 'not used here' }),
};

function target(clock: FakeClock, overrides: Partial<HealthTarget> = {}): HealthTarget {
  return {
    pid: 4242,
    generation: 1,
    startedAt: clock.now(),
    address: { host: '127.0.0.1', port: 3000, url: 'http://127.0.0.1:3000', shownUrl: 'http://127.0.0.1:3000', source: 'port', path: '/socket.io/', tls: { rejectUnauthorized: true } },
    agent: undefined,
    ...overrides,
  };
}

/** Rounds run when the test says so, unless it asks for the scheduler with `scheduled`. */
function monitorWith(clock: FakeClock, checkers: HealthChecker[], settings: Partial<MonitorSettings> = {}, scheduled = false) {
  const manual = scheduled ? {} : { intervalMs: 3_600_000 };
  const monitor = new HealthMonitor({
    checkers,
    settings: { ...SETTINGS, ...manual, ...settings },
    clock,
    ...(scheduled ? {} : { startupPollMs: 3_600_000 }),
  });
  const results: HealthCheckResult[] = [];
  const changes: StatusChange[] = [];
  monitor.onResult((result) => results.push(result));
  monitor.onStatusChange((change) => changes.push(change));
  return { monitor, results, changes };
}

async function round(monitor: HealthMonitor): Promise<HealthCheckResult> {
  const result = await monitor.runRound();
  if (result === undefined) throw new Error('the round was discarded');
  return result;
}

describe('HealthMonitor: consecutive breaches', () => {
  it('counts a metric critical only after failureThreshold breaches in a row, and a good reading ends the run', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(50);
    const { monitor } = monitorWith(clock, [lag.probe]);
    monitor.watch(target(clock));
    expect((await round(monitor)).status).toBe('healthy');

    lag.lag = 1500;
    const first = await round(monitor);
    expect(first.status).toBe('warning');
    expect(first.metrics[0]).toMatchObject({ status: 'warning', breaches: 1 });
    expect(first.metrics[0]?.message).toContain('1 of 3 in a row before critical');
    expect((await round(monitor)).status).toBe('warning');
    const third = await round(monitor);
    expect(third.status).toBe('critical');
    expect(third.metrics[0]).toMatchObject({ status: 'critical', breaches: 3, value: 1500 });

    lag.lag = 50;
    expect((await round(monitor)).status).toBe('healthy');
    lag.lag = 1500;
    expect((await round(monitor)).metrics[0]).toMatchObject({ status: 'warning', breaches: 1 });
    monitor.close();
  });

  it('shows a warning level at once: only critical needs the run', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(300);
    const { monitor } = monitorWith(clock, [lag.probe]);
    monitor.watch(target(clock));
    const result = await round(monitor);
    expect(result.status).toBe('warning');
    expect(result.metrics[0]?.breaches).toBeUndefined();
    monitor.close();
  });

  it('with failureThreshold 1 a single breach is critical', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(10);
    const { monitor } = monitorWith(clock, [lag.probe], { failureThreshold: 1 });
    monitor.watch(target(clock));
    await round(monitor);
    lag.lag = 5000;
    expect((await round(monitor)).status).toBe('critical');
    monitor.close();
  });
});

describe('HealthMonitor: aggregation', () => {
  it('takes the worst status of all metrics and rates each checker by its own', async () => {
    const clock = new FakeClock();
    const cpu = scripted('process', ['cpuPercent'], (now) => [rated('cpuPercent', 85, 'percent', DEFAULT_THRESHOLDS.cpuPercent, now)], false);
    const port = scripted('network', ['tcpLatencyMs'], (now) => [failed('tcpLatencyMs', 'ms', 'port 127.0.0.1:3000 is not accepting connections: connection refused', now)]);
    const calm = scripted('service', ['clients'], (now) => [info('clients', 3, 'count', now)]);
    const { monitor } = monitorWith(clock, [cpu, port, calm], { failureThreshold: 1 });
    monitor.watch(target(clock, { agent: { present: true, ready: { type: 'mpm:ready', port: 3000, address: '127.0.0.1' }, ping: async () => ({ kind: 'unavailable', reason: 'test' }) } }));
    const result = await round(monitor);
    expect(result.status).toBe('critical');
    expect(Object.fromEntries(result.checks.map((check) => [check.name, check.status]))).toEqual({
      process: 'warning',
      network: 'critical',
      service: 'healthy',
    });
    monitor.close();
  });

  it('does not count unknown as a failure: it neither hides a healthy reading nor breaks a run', async () => {
    const clock = new FakeClock();
    const healthy = scripted('process', ['cpuPercent'], (now) => [rated('cpuPercent', 5, 'percent', DEFAULT_THRESHOLDS.cpuPercent, now)], false);
    const broken = scripted('socketio', ['socketioLatencyMs'], () => {
      throw new Error('probe blew up\nwith a second line');
    });
    const { monitor } = monitorWith(clock, [healthy, broken]);
    monitor.watch(target(clock));
    const result = await round(monitor);
    expect(result.status).toBe('healthy');
    const failedCheck = result.checks.find((check) => check.name === 'socketio');
    expect(failedCheck).toMatchObject({ status: 'unknown', error: 'the socketio check failed: probe blew up' });
    expect(failedCheck?.metrics).toEqual([expect.objectContaining({ name: 'socketioLatencyMs', status: 'unknown', value: null })]);

    // A run of breaches goes on across an unknown reading instead of starting again.
    const lag = lagProbe(1500);
    let fails = false;
    const flaky = scripted('service', ['eventLoopLagMs'], (now) => {
      if (fails) throw new Error('no answer');
      return lag.probe.reading(now, DEFAULT_THRESHOLDS);
    });
    const second = monitorWith(clock, [flaky], { failureThreshold: 2 });
    second.monitor.watch(target(clock, { agent: readyAgent }));
    expect((await round(second.monitor)).metrics[0]).toMatchObject({ status: 'warning', breaches: 1 });
    fails = true;
    expect((await round(second.monitor)).status).toBe('unknown');
    fails = false;
    expect((await round(second.monitor)).metrics[0]).toMatchObject({ status: 'critical', breaches: 2 });
    monitor.close();
    second.monitor.close();
  });

  it('turns a checker that hangs into unknown once the probe timeout and grace pass, and goes on', async () => {
    const clock = new FakeClock();
    const hanging = scripted('socketio', ['socketioLatencyMs'], () => new Promise<HealthMetric[]>(() => undefined));
    const process = scripted('process', ['cpuPercent'], (now) => [rated('cpuPercent', 5, 'percent', DEFAULT_THRESHOLDS.cpuPercent, now)], false);
    const { monitor, results } = monitorWith(clock, [process, hanging], { intervalMs: 1000, probeTimeoutMs: 500 }, true);
    monitor.watch(target(clock));
    await clock.advance(500);
    expect(results).toHaveLength(0);
    await clock.advance(749);
    expect(results).toHaveLength(0);
    await clock.advance(1);
    expect(results).toHaveLength(1);
    expect(results[0]?.checks[1]).toMatchObject({ status: 'unknown', error: 'the socketio check did not finish within 750 ms' });
    expect(results[0]?.status).toBe('healthy');
    await clock.advance(5000);
    expect(results.length).toBeGreaterThan(3);
    monitor.close();
  });
});

describe('HealthMonitor: startup rule', () => {
  it('reports failing probes as starting until the startup timeout, then as critical', async () => {
    const clock = new FakeClock();
    const port = scripted('network', ['tcpLatencyMs'], (now) => [failed('tcpLatencyMs', 'ms', 'port 127.0.0.1:3000 is not accepting connections: connection refused', now)]);
    const { monitor, changes } = monitorWith(clock, [port], { startupTimeoutMs: 10_000 });
    monitor.watch(target(clock));
    for (let i = 0; i < 5; i += 1) {
      const result = await round(monitor);
      expect(result).toMatchObject({ status: 'starting', readiness: 'starting' });
      expect(result.metrics[0]?.message).toMatch(/^not ready yet: port 127.0.0.1:3000/);
    }
    expect(changes).toHaveLength(0);
    await clock.advance(10_000);
    const late = await round(monitor);
    expect(late).toMatchObject({ status: 'critical', readiness: 'startup_timeout' });
    expect(changes.at(-1)).toMatchObject({ from: 'starting', to: 'critical' });
    monitor.close();
  });

  it('is ready at the first probe that answers; failures after that are not starting', async () => {
    const clock = new FakeClock();
    let open = false;
    const port = scripted('network', ['tcpLatencyMs'], (now) =>
      open ? [rated('tcpLatencyMs', 1, 'ms', DEFAULT_THRESHOLDS.probeLatencyMs, now)] : [failed('tcpLatencyMs', 'ms', 'refused', now)],
    );
    const { monitor, changes } = monitorWith(clock, [port]);
    monitor.watch(target(clock));
    expect((await round(monitor)).status).toBe('starting');
    open = true;
    await clock.advance(700);
    const ready = await round(monitor);
    expect(ready).toMatchObject({ status: 'healthy', readiness: 'ready' });
    expect(changes).toEqual([expect.objectContaining({ from: 'starting', to: 'healthy', causes: [] })]);
    open = false;
    expect(await round(monitor)).toMatchObject({ status: 'warning', readiness: 'ready' });
    monitor.close();
  });

  it("is ready when the agent said mpm:ready, even while a probe still fails", async () => {
    const clock = new FakeClock();
    const port = scripted('network', ['tcpLatencyMs'], (now) => [failed('tcpLatencyMs', 'ms', 'refused', now)]);
    const { monitor } = monitorWith(clock, [port], { failureThreshold: 1 });
    const agent = { present: true, ready: { type: 'mpm:ready' as const, port: 3000, address: '127.0.0.1' }, ping: async () => ({ kind: 'unavailable' as const, reason: 'test' }) };
    monitor.watch(target(clock, { agent }));
    expect(await round(monitor)).toMatchObject({ status: 'critical', readiness: 'ready' });
    monitor.close();
  });

  it('with nothing to probe, a child with nothing critical is ready at once', async () => {
    const clock = new FakeClock();
    const cpu = scripted('process', ['cpuPercent'], (now) => [rated('cpuPercent', 1, 'percent', DEFAULT_THRESHOLDS.cpuPercent, now)], false);
    const { monitor } = monitorWith(clock, [cpu]);
    monitor.watch(target(clock, { address: undefined }));
    expect(await round(monitor)).toMatchObject({ status: 'healthy', readiness: 'ready' });
    monitor.close();
  });
});

describe('HealthMonitor: history', () => {
  it('keeps at most historySize results, the newest, and can be resized', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(0);
    const { monitor } = monitorWith(clock, [lag.probe], { historySize: 5 });
    monitor.watch(target(clock));
    for (let i = 1; i <= 8; i += 1) {
      lag.lag = i;
      await round(monitor);
    }
    expect(monitor.history().map((result) => result.metrics[0]?.value)).toEqual([4, 5, 6, 7, 8]);
    monitor.update({ historySize: 3 });
    expect(monitor.history().map((result) => result.metrics[0]?.value)).toEqual([6, 7, 8]);
    expect(monitor.latest?.metrics[0]?.value).toBe(8);
    monitor.close();
  });

  it('aggregates over 1, 5 and 15 minutes: share healthy, mean and max of each metric', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(0);
    const { monitor } = monitorWith(clock, [lag.probe], { failureThreshold: 1 });
    monitor.watch(target(clock, { agent: readyAgent }));
    // 10 minutes ago: a bad spell; the last minute: calm.
    lag.lag = 2000;
    await round(monitor);
    await clock.advance(30_000);
    lag.lag = 100;
    await round(monitor);
    await clock.advance(9 * 60_000);
    for (const value of [10, 20, 60]) {
      lag.lag = value;
      await round(monitor);
      await clock.advance(10_000);
    }
    const [minute, five, fifteen] = monitor.aggregates();
    expect(minute).toMatchObject({ windowMs: 60_000, results: 3, healthyShare: 1 });
    expect(minute?.metrics.eventLoopLagMs).toEqual({ count: 3, mean: 30, max: 60, last: 60 });
    expect(five).toMatchObject({ results: 3 });
    expect(fifteen).toMatchObject({ windowMs: 900_000, results: 5, healthyShare: 0.8 });
    expect(fifteen?.statuses).toMatchObject({ healthy: 4, critical: 1 });
    expect(fifteen?.metrics.eventLoopLagMs).toMatchObject({ count: 5, max: 2000, mean: (2000 + 100 + 10 + 20 + 60) / 5 });
    monitor.close();
  });
});

describe('HealthMonitor: scheduling', () => {
  it('polls often while starting, then every interval from the start of each round', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(10);
    const { monitor, results } = monitorWith(clock, [lag.probe], { intervalMs: 5000 }, true);
    monitor.watch(target(clock));
    await clock.advance(499);
    expect(results).toHaveLength(0);
    await clock.advance(1);
    expect(results).toHaveLength(1);
    expect(results[0]?.readiness).toBe('ready');
    await clock.advance(4999);
    expect(results).toHaveLength(1);
    await clock.advance(1);
    expect(results).toHaveLength(2);
    await clock.advance(50_000);
    expect(results).toHaveLength(12);
    monitor.close();
    expect(clock.pending).toBe(0);
  });

  it('never overlaps rounds: a slow round is followed at once, not doubled', async () => {
    const clock = new FakeClock();
    let release: (() => void) | undefined;
    let running = 0;
    let overlapped = false;
    const slow = scripted('service', ['eventLoopLagMs'], async (now) => {
      running += 1;
      if (running > 1) overlapped = true;
      await new Promise<void>((resolve) => (release = resolve));
      running -= 1;
      return [rated('eventLoopLagMs', 1, 'ms', DEFAULT_THRESHOLDS.eventLoopLagMs, now)];
    });
    // A round may outlast the interval by the checker grace (the probe itself is held to the interval).
    const { monitor, results } = monitorWith(clock, [slow], { intervalMs: 1000, probeTimeoutMs: 2000 }, true);
    monitor.watch(target(clock));
    // The first round starts at 500 ms (startup poll) and is still out at 1600, past its interval.
    await clock.advance(1600);
    expect(slow.calls).toBe(1);
    release?.();
    await clock.advance(0);
    expect(results).toHaveLength(1);
    expect(slow.calls).toBe(2);
    release?.();
    await clock.advance(0);
    expect(overlapped).toBe(false);
    monitor.close();
  });

  it('gives a probe at most one interval, so failureThreshold rounds of a hung child take failureThreshold intervals', async () => {
    const clock = new FakeClock();
    const timeouts: number[] = [];
    const silent = scripted('socketio', ['socketioLatencyMs'], () => []);
    silent.check = async (_target, context) => {
      timeouts.push(context.timeoutMs);
      await new Promise<void>((resolve) => clock.setTimeout(resolve, context.timeoutMs));
      return [failed('socketioLatencyMs', 'ms', `no answer within ${context.timeoutMs} ms`, context.now())];
    };
    const { monitor, results } = monitorWith(clock, [silent], { intervalMs: 1000, probeTimeoutMs: 2000 }, true);
    monitor.watch(target(clock, { agent: readyAgent }));
    // Rounds from 500 ms (the startup poll), each cut at 1000 ms, back to back.
    await clock.advance(3500);
    expect(timeouts.slice(0, 3)).toEqual([1000, 1000, 1000]);
    expect(results.map((result) => result.status)).toEqual(['warning', 'warning', 'critical']);
    monitor.update({ ...SETTINGS, intervalMs: 5000, probeTimeoutMs: 2000 });
    await clock.advance(5000);
    expect(timeouts.at(-1)).toBe(2000);
    monitor.close();
  });

  it('drops the result of a round for a child that was replaced meanwhile', async () => {
    const clock = new FakeClock();
    let release: (() => void) | undefined;
    const slow = scripted('service', ['eventLoopLagMs'], async (now) => {
      await new Promise<void>((resolve) => (release = resolve));
      return [rated('eventLoopLagMs', 1, 'ms', DEFAULT_THRESHOLDS.eventLoopLagMs, now)];
    });
    const { monitor, results } = monitorWith(clock, [slow], { probeTimeoutMs: 60_000 });
    monitor.watch(target(clock, { generation: 1, pid: 100 }));
    const stale = monitor.runRound();
    await settle();
    monitor.watch(target(clock, { generation: 2, pid: 200 }));
    release?.();
    expect(await stale).toBeUndefined();
    expect(results).toHaveLength(0);
    expect(monitor.history()).toHaveLength(0);
    const fresh = monitor.runRound();
    await settle();
    release?.();
    expect(await fresh).toMatchObject({ pid: 200, generation: 2 });
    monitor.unwatch(2);
    expect(monitor.status).toBe('unknown');
    expect(await monitor.runRound()).toBeUndefined();
    monitor.close();
  });

  it('ends the probes of a round in flight when the child stops being watched', async () => {
    const clock = new FakeClock();
    let signal: AbortSignal | undefined;
    const waiting: HealthChecker = {
      name: 'socketio',
      probe: true,
      metrics: ['socketioLatencyMs'],
      check: (_target, context) => {
        signal = context.signal;
        return new Promise<HealthMetric[]>(() => undefined);
      },
    };
    const { monitor } = monitorWith(clock, [waiting], { probeTimeoutMs: 60_000 });
    monitor.watch(target(clock));
    const round = monitor.runRound();
    await settle();
    expect(signal?.aborted).toBe(false);
    monitor.unwatch(1);
    expect(signal?.aborted).toBe(true);
    expect(await round).toBeUndefined();
    monitor.close();
  });

  it('applies a new interval and thresholds from the next round', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(300);
    const { monitor, results } = monitorWith(clock, [lag.probe], { intervalMs: 10_000 }, true);
    monitor.watch(target(clock));
    await clock.advance(500);
    expect(results.at(-1)?.status).toBe('warning');
    monitor.update({ intervalMs: 1000, thresholds: { ...DEFAULT_THRESHOLDS, eventLoopLagMs: { warning: 400, critical: 800 } } });
    await clock.advance(1000);
    expect(results).toHaveLength(2);
    expect(results.at(-1)?.status).toBe('healthy');
    monitor.close();
  });
});

describe('HealthMonitor: listeners', () => {
  it('tells status listeners once per change, with the metrics that caused it', async () => {
    const clock = new FakeClock();
    const lag = lagProbe(10);
    const { monitor, changes } = monitorWith(clock, [lag.probe], { failureThreshold: 1 });
    monitor.watch(target(clock));
    await round(monitor);
    await round(monitor);
    lag.lag = 1200;
    await round(monitor);
    await round(monitor);
    expect(changes.map((change) => `${change.from}→${change.to}`)).toEqual(['starting→healthy', 'healthy→critical']);
    expect(changes[1]?.causes).toEqual([expect.objectContaining({ name: 'eventLoopLagMs', value: 1200, status: 'critical' })]);
    expect(changes[1]?.causes[0]?.message).toBe('eventLoopLagMs 1200 ms ≥ critical 1000 ms');
    monitor.close();
  });

  it('goes on when a listener throws, and reports the error', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const lag = lagProbe(10);
    const monitor = new HealthMonitor({ checkers: [lag.probe], settings: SETTINGS, clock, onListenerError: (error) => errors.push(error) });
    monitor.onResult(() => {
      throw new Error('listener bug');
    });
    const seen: HealthCheckResult[] = [];
    monitor.onResult((result) => seen.push(result));
    monitor.watch(target(clock));
    await round(monitor);
    await round(monitor);
    expect(seen).toHaveLength(2);
    expect(errors).toHaveLength(2);
    monitor.close();
  });
});
