import { describe, expect, it } from '@jest/globals';
import { DEFAULT_THRESHOLDS, failed, rated } from '../src/index.js';
import { FakeClock } from '../../../test/helpers/fake-clock.js';
import { monitorWith, round, scripted, target } from './monitor-setup.js';

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
    const port = scripted('network', ['tcpLatencyMs'], (now) => (open ? [rated('tcpLatencyMs', 1, 'ms', DEFAULT_THRESHOLDS.probeLatencyMs, now)] : [failed('tcpLatencyMs', 'ms', 'refused', now)]));
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

  it('is ready when the agent said mpm:ready, even while a probe still fails', async () => {
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
