import { describe, expect, it } from '@jest/globals';
import { HealthMonitor, type HealthCheckResult } from '../src/index.js';
import { FakeClock } from '../../../test/helpers/fake-clock.js';
import { lagProbe, monitorWith, readyAgent, round, SETTINGS, target } from './monitor-setup.js';

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
