import { DEFAULT_THRESHOLDS, failed, info, rated, unknown, worstOf, type HealthCheckResult, type HealthMetric, type Readiness } from '@mpm/health';
import type { BreakerView, ChildView, StatusView } from '../src/index.js';

export const NOW = Date.parse('2026-11-29T04:00:00.000Z');
const T = DEFAULT_THRESHOLDS;

/** A round with the process and Socket.IO checkers, as the monitor assembles it. */
export function round(process: readonly HealthMetric[], socketio: readonly HealthMetric[], readiness: Readiness = 'ready', generation = 1): HealthCheckResult {
  const metrics = [...process, ...socketio];
  return {
    status: worstOf(metrics.map((metric) => metric.status)),
    readiness,
    pid: 4242,
    generation,
    metrics,
    checks: [
      { name: 'process', status: worstOf(process.map((m) => m.status)), durationMs: 3, metrics: process },
      { name: 'socketio', status: worstOf(socketio.map((m) => m.status)), durationMs: 5, metrics: socketio },
    ],
    timestamp: NOW - 500,
    durationMs: 6,
  };
}

export const at = NOW - 400;
export const healthyRound = (): HealthCheckResult =>
  round(
    [info('processState', 'S', 'state', at), rated('cpuPercent', 12.3456, 'percent', T.cpuPercent, at), rated('memoryMb', 80, 'MiB', T.memoryMb, at)],
    [rated('socketioLatencyMs', 4, 'ms', T.probeLatencyMs, at)],
  );
export const hungRound = (): HealthCheckResult =>
  round(
    [info('processState', 'R', 'state', at), rated('cpuPercent', 100, 'percent', T.cpuPercent, at)],
    [failed('socketioLatencyMs', 'ms', 'Socket.IO at http://127.0.0.1:3000 is not answering: no handshake within 500 ms', at)],
  );
export const busyRound = (): HealthCheckResult =>
  round([info('processState', 'S', 'state', at), rated('cpuPercent', 85, 'percent', T.cpuPercent, at)], [rated('socketioLatencyMs', 4, 'ms', T.probeLatencyMs, at)]);
export const noPortRound = (): HealthCheckResult => round([info('processState', 'S', 'state', at)], [unknown('socketioLatencyMs', 'ms', 'no port to probe yet', at)]);

export const runningChild: ChildView = { state: 'running', pid: 4242, generation: 1, startedAt: NOW - 60_000, restarts: 0, lastExit: null, respawnAt: null };
export const closedBreaker: BreakerView = { state: 'closed', since: null, until: null, reason: null, opensInARow: 0, recentFailures: 0, failureThreshold: 5, exhausted: false };

export function viewOf(over: { child?: Partial<ChildView>; latest?: HealthCheckResult | undefined; breaker?: Partial<BreakerView>; stopping?: boolean; gaveUp?: boolean } = {}): StatusView {
  const latest = 'latest' in over ? over.latest : healthyRound();
  return {
    name: 'chat',
    version: '0.1.0',
    now: NOW,
    supervisor: { pid: 100, startedAt: NOW - 120_000, stopping: over.stopping ?? false },
    child: { ...runningChild, ...over.child },
    health: { status: latest?.status ?? 'unknown', latest },
    breaker: { ...closedBreaker, ...over.breaker },
    recovery: { enabled: true, gaveUp: over.gaveUp ?? false },
  };
}
