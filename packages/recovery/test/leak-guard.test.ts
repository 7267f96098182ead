import { afterEach, describe, expect, it } from '@jest/globals';
import { forecastCrossing, hardLine, ladderHorizonMs, LeakGuard, RecoveryManager, Trend, type LeakGuardSettings, type RecoveryEvent, type RecoverySettings } from '../src/index.js';
import { FakeClock, settle } from '../../../test/helpers/fake-clock.js';
import { FakeHost } from './fake-host.js';
import { cpuCritical, healthy, memoryCritical, PID, reading, resultOf } from './results.js';
import { SETTINGS } from './settings.js';

const LEAKS: LeakGuardSettings = { criticalMb: 500, limitMb: null, cgroupMaxMb: null, checkIntervalMs: 5000, failureThreshold: 3, minActionIntervalMs: 10_000 };

/** Readings every 250 ms from `fromMb`, at `mbPerSecond`, for `count` readings. */
function leak(guard: LeakGuard, options: { fromMb: number; mbPerSecond: number; count: number; startAt?: number; generation?: number; settings?: LeakGuardSettings }) {
  const { fromMb, mbPerSecond, count, startAt = 0, generation = 1, settings = LEAKS } = options;
  const forecasts = [];
  for (let i = 0; i < count; i += 1) {
    const at = startAt + i * 250;
    const forecast = guard.sample({ generation, pid: PID, at, rssMb: fromMb + (mbPerSecond * (at - startAt)) / 1000 }, settings, undefined);
    if (forecast !== undefined) forecasts.push({ at, forecast });
  }
  return forecasts;
}

describe('Trend', () => {
  it('draws a line through the readings of its window, so one odd reading does not make a trend', () => {
    const trend = new Trend(3000);
    for (let at = 0; at <= 2000; at += 250) trend.add({ at, value: 100 + at / 100 });
    expect(trend.slopePerSecond()).toBeCloseTo(10, 5);
    const flat = new Trend(3000);
    for (let at = 0; at <= 2000; at += 250) flat.add({ at, value: at === 1000 ? 180 : 100 });
    expect(Math.abs(flat.slopePerSecond()!)).toBeLessThan(5);
    // Readings older than the window are dropped.
    trend.add({ at: 10_000, value: 0 });
    expect(trend.spanMs).toBe(0);
  });
});

describe('the hard line and the ladder horizon', () => {
  it('is the lowest of 1.5 × critical, child.maxMemoryMb and the cgroup limit, named as a log line names it', () => {
    expect(hardLine(LEAKS)).toEqual({ mb: 750, shown: '750 MiB (1.5 × critical)' });
    expect(hardLine({ ...LEAKS, limitMb: 600 })).toEqual({ mb: 600, shown: 'limit 600 MiB (child.maxMemoryMb)' });
    expect(hardLine({ ...LEAKS, limitMb: 600, cgroupMaxMb: 512 })).toEqual({ mb: 512, shown: "512 MiB (the cgroup's memory.max)" });
  });

  it('gives the ladder failureThreshold rounds and minActionIntervalMs to a restart, less once a rung was taken', () => {
    expect(ladderHorizonMs(LEAKS, undefined, 0)).toBe(25_000);
    expect(ladderHorizonMs(LEAKS, 0, 4000)).toBe(11_000);
    expect(ladderHorizonMs(LEAKS, 0, 30_000)).toBe(5000);
  });

  it('forecasts a crossing inside the horizon, with the pace in the text, and none outside it or when falling', () => {
    const line = hardLine(LEAKS);
    expect(forecastCrossing(512, 24, line, 25_000)?.text).toBe('memoryMb 512 MiB at +24 MiB/s reaches 750 MiB (1.5 × critical) in 9.9 s, before the ladder could restart it (in 25 s)');
    expect(forecastCrossing(512, 5, line, 25_000)).toBeUndefined();
    expect(forecastCrossing(512, -30, line, 25_000)).toBeUndefined();
    expect(forecastCrossing(760, 0, line, 25_000)?.text).toBe('memoryMb 760 MiB ≥ 750 MiB (1.5 × critical)');
  });
});

describe('LeakGuard', () => {
  it('names a fast leak once it is at critical, and only once per child', () => {
    const guard = new LeakGuard();
    const forecasts = leak(guard, { fromMb: 300, mbPerSecond: 100, count: 40 });
    const first = forecasts[0]!;
    expect(first.forecast.valueMb).toBeGreaterThanOrEqual(500);
    expect(first.forecast.valueMb).toBeLessThan(530);
    guard.settle(1);
    expect(leak(guard, { fromMb: 600, mbPerSecond: 100, count: 8, startAt: 20_000 })).toEqual([]);
    // A new child starts afresh.
    expect(leak(guard, { fromMb: 450, mbPerSecond: 100, count: 12, startAt: 40_000, generation: 2 }).length).toBeGreaterThan(0);
  });

  it('leaves a slow leak, a plateau over critical and memory under critical to the ladder', () => {
    expect(leak(new LeakGuard(), { fromMb: 495, mbPerSecond: 5, count: 40 })).toEqual([]);
    expect(leak(new LeakGuard(), { fromMb: 520, mbPerSecond: 0, count: 40 })).toEqual([]);
    expect(leak(new LeakGuard(), { fromMb: 100, mbPerSecond: 90, count: 16 })).toEqual([]);
  });

  it('acts at the first reading over child.maxMemoryMb, below critical too, without waiting for a trend', () => {
    const [first] = leak(new LeakGuard(), { fromMb: 190, mbPerSecond: 20, count: 8, settings: { ...LEAKS, limitMb: 200 } });
    expect(first?.forecast.text).toMatch(/^memoryMb 20\d(\.\d+)? MiB ≥ limit 200 MiB \(child\.maxMemoryMb\)$/);
  });

  it('says an action has not worked while memory keeps rising after it, and not before it could tell', () => {
    const guard = new LeakGuard();
    leak(guard, { fromMb: 510, mbPerSecond: 5, count: 6 });
    expect(guard.stillRising(1, 0, 510)).toBeUndefined();
    leak(guard, { fromMb: 516, mbPerSecond: 5, count: 8, startAt: 1500 });
    expect(guard.stillRising(1, 0, 510)).toMatch(/^memoryMb kept rising: 510 → 52\d(\.\d+)? MiB at \+[45](\.\d+)? MiB\/s$/);
    expect(guard.stillRising(2, 0, 510)).toBeUndefined();
  });
});

describe('RecoveryManager with memory samples', () => {
  const WITH_LEAKS: RecoverySettings = { ...SETTINGS, leaks: LEAKS };
  const managers: RecoveryManager[] = [];
  afterEach(() => managers.splice(0).forEach((manager) => manager.close()));

  function setup(settings = WITH_LEAKS) {
    const clock = new FakeClock();
    const host = new FakeHost();
    const manager = new RecoveryManager({ host, settings, clock });
    managers.push(manager);
    const events: RecoveryEvent[] = [];
    manager.on('event', (event) => events.push(event));
    const sample = (rssMb: number): void => manager.handleMemorySample({ generation: host.generation, pid: PID, at: clock.now(), rssMb });
    return { clock, host, manager, events, sample };
  }

  it('restarts gracefully at once when a leak would outrun the ladder, with the forecast as the reason', async () => {
    const { clock, host, manager, events, sample } = setup();
    for (let rss = 400; host.calls.length === 0 && rss < 700; rss += 25) {
      sample(rss);
      await clock.advance(250);
    }
    expect(host.calls).toEqual([{ kind: 'restart', generation: 1, via: 'message' }]);
    await settle();
    await clock.advance(1000);
    manager.handleResult(healthy(clock.now(), host.generation));
    expect(events).toEqual([
      expect.objectContaining({
        action: 'restart_service',
        failureClass: 'resource',
        thresholds: ['memoryMb'],
        result: 'succeeded',
        reason: expect.stringMatching(/^memoryMb 5\d\d MiB at \+100 MiB\/s reaches 750 MiB \(1\.5 × critical\) in/),
      }),
    ]);
  });

  it('only records what it would have done with recovery disabled, once per child', async () => {
    const { clock, host, events, sample } = setup({ ...WITH_LEAKS, enabled: false });
    for (let rss = 400; rss < 800; rss += 25) {
      sample(rss);
      await clock.advance(250);
    }
    expect(host.calls).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ action: 'restart_service', result: 'skipped', skip: 'disabled' })]);
  });

  it('ends a clear_connections early as failed while memory keeps rising through it', async () => {
    const { clock, host, manager, events, sample } = setup();
    manager.handleResult(memoryCritical(clock.now(), host.generation));
    await settle();
    expect(host.calls).toEqual([{ kind: 'clearConnections', generation: 1, path: 'ipc' }]);
    for (let i = 0; i < 12; i += 1) {
      sample(612 + i);
      await clock.advance(250);
    }
    expect(events).toEqual([
      expect.objectContaining({ action: 'clear_connections', result: 'failed', detail: expect.stringMatching(/memoryMb kept rising: 612 → 62\d MiB at \+4 MiB\/s; ended before verifyTimeoutMs$/) }),
    ]);
    expect(manager.busy).toBe(false);
  });

  it('does not judge a CPU episode by memory', async () => {
    const { clock, host, manager, events, sample } = setup();
    manager.handleResult(cpuCritical(clock.now(), host.generation));
    await settle();
    for (let i = 0; i < 12; i += 1) {
      sample(300 + i);
      await clock.advance(250);
    }
    expect(events).toEqual([]);
    expect(manager.busy).toBe(true);
  });
});

describe('RecoveryManager: a resource that keeps climbing through clear_connections', () => {
  const managers: RecoveryManager[] = [];
  afterEach(() => managers.splice(0).forEach((manager) => manager.close()));
  const r = reading;
  /** A round with openFds at `fds`, critical past failureThreshold. */
  const fdsAt = (at: number, fds: number) =>
    resultOf(
      [r.running(at), { ...r.memory(at, 120), name: 'openFds', value: fds, unit: 'count', status: 'critical' as const, message: `openFds ${fds}`, breaches: 3 }, r.tcp(at), r.socketio(at), r.ipc(at)],
      { at },
    );

  /** A manager at the defaults, its decisions, and a clear_connections under way for openFds 1010. */
  async function clearing() {
    const clock = new FakeClock();
    const host = new FakeHost();
    const manager = new RecoveryManager({ host, settings: SETTINGS, clock });
    managers.push(manager);
    const events: RecoveryEvent[] = [];
    manager.on('event', (event) => events.push(event));
    manager.handleResult(fdsAt(clock.now(), 1010));
    await settle();
    return { clock, host, manager, events };
  }

  it('has failed once two rounds in a row read it higher, not at verifyTimeoutMs', async () => {
    const { clock, host, manager, events } = await clearing();
    expect(host.calls).toEqual([{ kind: 'clearConnections', generation: 1, path: 'ipc' }]);
    await clock.advance(5000);
    manager.handleResult(fdsAt(clock.now(), 1040));
    expect(events).toEqual([]);
    await clock.advance(5000);
    manager.handleResult(fdsAt(clock.now(), 1070));
    expect(events).toEqual([
      expect.objectContaining({ action: 'clear_connections', result: 'failed', detail: expect.stringMatching(/; openFds kept rising: 1010 → 1040 → 1070; ended before verifyTimeoutMs$/) }),
    ]);
  });

  it('waits out verifyTimeoutMs for a level that holds, which a clear may still bring down', async () => {
    const { clock, manager, events } = await clearing();
    for (let round = 0; round < 4; round += 1) {
      await clock.advance(5000);
      manager.handleResult(fdsAt(clock.now(), 1010 + (round % 2)));
    }
    expect(events).toEqual([]);
    expect(manager.busy).toBe(true);
  });
});
