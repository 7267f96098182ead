import {
  DEFAULT_THRESHOLDS,
  HealthMonitor,
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
import { FakeClock } from '../../../test/helpers/fake-clock.js';

export const SETTINGS: MonitorSettings = {
  intervalMs: 5000,
  probeTimeoutMs: 2000,
  failureThreshold: 3,
  historySize: 100,
  startupTimeoutMs: 30_000,
  thresholds: DEFAULT_THRESHOLDS,
};

export type Reading = (now: number, thresholds: Thresholds) => HealthMetric[] | Promise<HealthMetric[]>;

/** A checker that reports whatever the test sets in `reading`. */
export function scripted(name: string, metrics: string[], reading: Reading, probe = true): HealthChecker & { reading: Reading; calls: number } {
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
export function lagProbe(initial: number) {
  const probe = scripted('service', ['eventLoopLagMs'], (now, thresholds) => [rated('eventLoopLagMs', state.lag, 'ms', thresholds.eventLoopLagMs, now)]);
  const state = { lag: initial, probe };
  return state;
}

/** An agent that has said mpm:ready: the child is past its start. */
export const readyAgent = {
  present: true,
  ready: { type: 'mpm:ready' as const, port: 3000, address: '127.0.0.1' },
  ping: async () => ({ kind: 'unavailable' as const, reason: 'not used here' }),
};

export function target(clock: FakeClock, overrides: Partial<HealthTarget> = {}): HealthTarget {
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
export function monitorWith(clock: FakeClock, checkers: HealthChecker[], settings: Partial<MonitorSettings> = {}, scheduled = false) {
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

export async function round(monitor: HealthMonitor): Promise<HealthCheckResult> {
  const result = await monitor.runRound();
  if (result === undefined) throw new Error('the round was discarded');
  return result;
}
