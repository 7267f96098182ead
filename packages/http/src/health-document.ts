import type { HealthCheckResult, HealthMetric, HealthStatus } from '@mpm/health';
import type { BreakerView, ChildView, StatusView } from './status-view.js';
import { healthVerdict, isoTime, readinessVerdict, type HealthJsonStatus } from './verdict.js';

/** The media type of draft-inadarei-api-health-check, which /health follows. */
export const HEALTH_JSON_TYPE = 'application/health+json; charset=utf-8';

/** One measurement in `checks`, as the health+json draft names its fields. */
export interface CheckEntry {
  readonly componentType: 'system' | 'component';
  readonly observedValue: number | string | null;
  readonly observedUnit: string;
  readonly status: HealthJsonStatus;
  /** When it was measured, ISO 8601. */
  readonly time: string;
  /** Why it is not `pass`. */
  readonly output?: string;
}

const METRIC_STATUS: Readonly<Record<HealthStatus, HealthJsonStatus>> = {
  healthy: 'pass',
  warning: 'warn',
  critical: 'fail',
  // A probe failing while the child starts, or a metric that could not be measured: not a
  // failure of the child, but not a pass either.
  starting: 'warn',
  unknown: 'warn',
};

/** `checks`: one entry per metric, keyed `<checker>:<metric>` (`process:cpuPercent`). */
export function checksOf(latest: HealthCheckResult | undefined): Record<string, CheckEntry[]> {
  const checks: Record<string, CheckEntry[]> = {};
  for (const check of latest?.checks ?? []) {
    for (const metric of check.metrics) {
      checks[`${check.name}:${metric.name}`] = [entryOf(metric, check.name === 'process' ? 'system' : 'component')];
    }
  }
  return checks;
}

function entryOf(metric: HealthMetric, componentType: CheckEntry['componentType']): CheckEntry {
  const status = METRIC_STATUS[metric.status];
  const value = typeof metric.value === 'number' ? round(metric.value) : metric.value;
  const entry: CheckEntry = { componentType, observedValue: value, observedUnit: metric.unit, status, time: isoTime(metric.timestamp) };
  return status === 'pass' ? entry : { ...entry, output: metric.status === 'unknown' ? `not measured: ${metric.message}` : metric.message };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function childDocument(child: ChildView, now: number): Record<string, unknown> {
  return {
    pid: child.pid,
    state: child.state,
    generation: child.generation,
    uptimeSeconds: child.startedAt === null ? null : round((now - child.startedAt) / 1000),
    restarts: child.restarts,
    lastExit: child.lastExit === null ? null : { code: child.lastExit.code, signal: child.lastExit.signal, time: isoTime(child.lastExit.at), uptimeSeconds: round(child.lastExit.uptimeMs / 1000) },
    ...(child.respawnAt === null ? {} : { respawnAt: isoTime(child.respawnAt) }),
  };
}

export function breakerDocument(breaker: BreakerView): Record<string, unknown> {
  return {
    state: breaker.state,
    since: breaker.since === null ? null : isoTime(breaker.since),
    until: breaker.until === null ? null : isoTime(breaker.until),
    reason: breaker.reason,
    opensInARow: breaker.opensInARow,
    recentFailures: breaker.recentFailures,
    failureThreshold: breaker.failureThreshold,
    exhausted: breaker.exhausted,
  };
}

/** GET /health: the child's health in `application/health+json`, 503 when it fails. */
export function healthDocument(view: StatusView): { readonly httpStatus: number; readonly body: Record<string, unknown> } {
  const verdict = healthVerdict(view);
  const body = {
    status: verdict.status,
    ...(verdict.output === undefined ? {} : { output: verdict.output }),
    serviceId: view.name,
    description: `${view.name}, supervised by mpm-supervise ${view.version}`,
    checks: checksOf(view.health.latest),
    child: childDocument(view.child, view.now),
    breaker: breakerDocument(view.breaker),
    links: { live: '/health/live', ready: '/health/ready', diagnostics: '/diagnostics', metrics: '/metrics', events: '/events' },
  };
  return { httpStatus: verdict.status === 'fail' ? 503 : 200, body };
}

/** GET /health/ready: 200 while the child should get traffic, 503 otherwise. */
export function readinessDocument(view: StatusView): { readonly httpStatus: number; readonly body: Record<string, unknown> } {
  const { ready, output } = readinessVerdict(view);
  return {
    httpStatus: ready ? 200 : 503,
    body: { status: ready ? 'pass' : 'fail', ready, output, child: { pid: view.child.pid, state: view.child.state, generation: view.child.generation } },
  };
}

/** GET /health/live: the supervisor answers, so it works; the child's health is not its business. */
export function livenessDocument(view: StatusView): Record<string, unknown> {
  return {
    status: 'pass',
    output: view.supervisor.stopping ? 'the supervisor is stopping' : 'the supervisor is running',
    pid: view.supervisor.pid,
    uptimeSeconds: round((view.now - view.supervisor.startedAt) / 1000),
    version: view.version,
  };
}
