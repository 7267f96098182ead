import { describe, expect, it } from '@jest/globals';
import type { ServiceStats } from '@mpm/protocol';
import { DEFAULT_THRESHOLDS, ServiceChecker, type AgentView, type CheckContext, type HealthMetric, type HealthTarget, type PingOutcome } from '../src/index.js';

const BASE: ServiceStats = { clients: 0, eventsTotal: 0, errorsTotal: 0, eventLoopLagMs: 0, heapUsedBytes: 0, uptimeSeconds: 300, lastEventAt: null };

/** An agent that answers with the stats the test sets, at the time the test sets. */
function scene() {
  const state = { now: 1_000_000, stats: BASE, present: true, answer: 'pong' as 'pong' | 'timeout', pings: 0 };
  const agent: AgentView = {
    get present() {
      return state.present;
    },
    ready: undefined,
    ping: async (timeoutMs): Promise<PingOutcome> => {
      state.pings += 1;
      return state.answer === 'pong' ? { kind: 'pong', stats: state.stats, latencyMs: 1 } : { kind: 'timeout', afterMs: timeoutMs };
    },
  };
  const target: HealthTarget = { pid: 1, generation: 1, startedAt: 0, address: undefined, agent };
  const context: CheckContext = { timeoutMs: 2000, signal: new AbortController().signal, thresholds: DEFAULT_THRESHOLDS, now: () => state.now };
  const checker = new ServiceChecker();
  const check = async (): Promise<Record<string, HealthMetric>> => Object.fromEntries((await checker.check(target, context)).map((metric) => [metric.name, metric]));
  return { state, check, checker, target, context };
}

describe('ServiceChecker', () => {
  it('reports what the agent says, rated against the thresholds', async () => {
    const { state, check } = scene();
    state.stats = { ...BASE, clients: 900, eventLoopLagMs: 1200, heapUsedBytes: 64 * 1024 * 1024, lastEventAt: Date.now() - 5000 };
    const metrics = await check();
    expect(metrics.clients).toMatchObject({ value: 900, status: 'warning' });
    expect(metrics.eventLoopLagMs).toMatchObject({ value: 1200, status: 'critical' });
    expect(metrics.heapUsedMb).toMatchObject({ value: 64, status: 'healthy' });
    expect(metrics.ipcLatencyMs).toMatchObject({ value: 1, status: 'healthy' });
    expect(metrics.secondsSinceLastEvent?.value).toBeGreaterThanOrEqual(5);
  });

  it('counts errors of the last minute, not a per-round rate scaled up', async () => {
    const { state, check } = scene();
    await check();
    // One error a second later: one in the last minute, not "60 per minute".
    state.now += 1000;
    state.stats = { ...BASE, errorsTotal: 1 };
    expect((await check()).errorsPerMinute).toMatchObject({ value: 1, status: 'healthy' });
    for (let second = 2; second <= 61; second += 1) {
      state.now += 1000;
      state.stats = { ...BASE, errorsTotal: second <= 30 ? 30 : 30 + (second - 30) };
      await check();
    }
    // 61 s after the first pong: the errors counted since the pong a minute ago.
    state.now += 1000;
    state.stats = { ...BASE, errorsTotal: 100 };
    const metrics = await check();
    expect(metrics.errorsPerMinute?.status).toBe('critical');
    expect(metrics.errorsPerMinute?.value).toBeGreaterThanOrEqual(69);
    expect(metrics.errorsPerMinute?.value).toBeLessThanOrEqual(100);
    expect(metrics.errorsTotal?.value).toBe(100);
  });

  it("takes a young agent's total as its last minute", async () => {
    const { state, check } = scene();
    state.stats = { ...BASE, uptimeSeconds: 10, errorsTotal: 12 };
    expect((await check()).errorsPerMinute).toMatchObject({ value: 12, status: 'warning' });
  });

  it('measures events per second between pongs', async () => {
    const { state, check } = scene();
    state.stats = { ...BASE, eventsTotal: 600, uptimeSeconds: 60 };
    expect((await check()).eventsPerSecond?.value).toBe(10);
    state.now += 2000;
    state.stats = { ...BASE, eventsTotal: 700, uptimeSeconds: 62 };
    expect((await check()).eventsPerSecond?.value).toBe(50);
  });

  it('is critical when an agent that answered before stops answering', async () => {
    const { state, check } = scene();
    state.answer = 'timeout';
    const metrics = await check();
    expect(metrics.ipcLatencyMs).toMatchObject({ status: 'critical', message: 'the agent did not answer an IPC ping within 2000 ms' });
  });

  it('does not wait for a child that never showed an agent, and says how to add one', async () => {
    const { state, check } = scene();
    state.present = false;
    state.answer = 'timeout';
    const metrics = await check();
    expect(metrics.ipcLatencyMs?.status).toBe('unknown');
    expect(metrics.ipcLatencyMs?.message).toContain('attachAgent(io) from @mpm/agent');
    expect(state.pings).toBe(1);
  });

  it('has nothing to say about a child without an IPC channel', async () => {
    const { checker, target, context } = scene();
    expect(await checker.check({ ...target, agent: undefined }, context)).toEqual([]);
  });
});
