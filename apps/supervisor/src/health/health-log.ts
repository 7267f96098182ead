import { formatDuration } from '@mpm/config';
import type { HealthCheckResult, HealthMetric, HealthMonitor, StatusChange } from '@mpm/health';
import type winston from 'winston';

/** A metric as it goes into a log record: what a reader needs to see why. */
export function metricFields(metric: HealthMetric): Record<string, unknown> {
  return {
    name: metric.name,
    value: typeof metric.value === 'number' ? Number(metric.value.toFixed(2)) : metric.value,
    unit: metric.unit,
    status: metric.status,
    ...(metric.thresholds === null ? {} : { warning: metric.thresholds.warning, critical: metric.thresholds.critical }),
    ...(metric.breaches === undefined ? {} : { breaches: metric.breaches }),
    message: metric.message,
  };
}

function levelFor(change: StatusChange): 'error' | 'warn' | 'info' {
  if (change.to === 'critical') return 'error';
  return change.to === 'warning' ? 'warn' : 'info';
}

/** "health healthy → critical: <why>", or for a recovery "… → healthy". */
export function describeChange(change: StatusChange, startedAt: number | undefined): string {
  const { from, to, result, causes } = change;
  const head = `health ${from} → ${to}`;
  if (to === 'healthy') {
    const ready = from === 'starting' && startedAt !== undefined ? ` (ready ${formatDuration(Math.max(0, result.timestamp - startedAt))} after spawn)` : '';
    return `${head}: child ${result.pid} is healthy${ready}`;
  }
  if (causes.length === 0) return `${head}: no check could run`;
  const timedOut = result.readiness === 'startup_timeout' ? ' (not ready within child.startupTimeoutMs)' : '';
  return `${head}${timedOut}: ${causes.map((metric) => metric.message).join('; ')}`;
}

/**
 * Logs each change of the child's health as one line with the metrics that caused it,
 * and every round at debug level only.
 */
export function logHealth(monitor: HealthMonitor, logger: winston.Logger): () => void {
  const offChange = monitor.onStatusChange((change) => {
    logger.log(levelFor(change), describeChange(change, monitor.target?.startedAt), {
      event: 'health_changed',
      from: change.from,
      to: change.to,
      readiness: change.result.readiness,
      childPid: change.result.pid,
      generation: change.result.generation,
      causes: change.causes.map(metricFields),
    });
  });
  const offResult = monitor.onResult((result) => {
    if (!logger.isDebugEnabled()) return;
    logger.debug(`health check: ${result.status} in ${result.durationMs} ms`, roundFields(result));
  });
  return () => {
    offChange();
    offResult();
  };
}

function roundFields(result: HealthCheckResult): Record<string, unknown> {
  return {
    event: 'health_check',
    status: result.status,
    readiness: result.readiness,
    childPid: result.pid,
    generation: result.generation,
    durationMs: result.durationMs,
    checks: Object.fromEntries(result.checks.map((check) => [check.name, { status: check.status, durationMs: check.durationMs }])),
    metrics: Object.fromEntries(result.metrics.map((metric) => [metric.name, typeof metric.value === 'number' ? Number(metric.value.toFixed(2)) : metric.value])),
  };
}
