import { describe, expect, it } from '@jest/globals';
import { DEFAULT_THRESHOLDS, failed, rated, type HealthChecker, type HealthMetric } from '../src/index.js';
import { FakeClock, settle } from '../../../test/helpers/fake-clock.js';
import { lagProbe, monitorWith, readyAgent, scripted, SETTINGS, target } from './monitor-setup.js';

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
