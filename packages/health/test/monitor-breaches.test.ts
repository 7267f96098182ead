import { describe, expect, it } from '@jest/globals';
import { DEFAULT_THRESHOLDS, failed, info, rated, type HealthMetric } from '../src/index.js';
import { FakeClock } from '../../../test/helpers/fake-clock.js';
import { lagProbe, monitorWith, readyAgent, round, scripted, target } from './monitor-setup.js';

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
