import type { HealthCheckResult, HealthMonitor, HealthStatus } from '@mpm/health';
import type winston from 'winston';
import { metricFields } from './health-log.js';

/**
 * Logs each change of a user-defined check's status (health.custom) as one line, with its
 * metrics: the health log says only when the child's overall status changes, and a
 * dependency that stays down would hide every other check's failure and recovery behind
 * it. A check seen healthy first says nothing; `starting` (the child not ready yet) is not
 * a status of the check's own.
 */
export function logCheckChanges(monitor: HealthMonitor, logger: winston.Logger): () => void {
  const last = new Map<string, HealthStatus>();
  return monitor.onResult((result) => {
    const seen = new Set<string>();
    for (const check of result.checks) {
      if (check.userDefined !== true || check.status === 'starting') continue;
      seen.add(check.name);
      const from = last.get(check.name);
      last.set(check.name, check.status);
      if (from === check.status || (from === undefined && check.status === 'healthy')) continue;
      logger.log(levelOf(check.status), `user-defined check ${from === undefined ? '' : `${from} → `}${check.status}: ${messagesOf(check)}`, {
        event: 'check_changed',
        check: check.name,
        from: from ?? null,
        to: check.status,
        childPid: result.pid,
        generation: result.generation,
        metrics: check.metrics.map(metricFields),
      });
    }
    // A check a reload removed (or one the child's start hides) starts afresh.
    for (const name of [...last.keys()]) if (!seen.has(name)) last.delete(name);
  });
}

function levelOf(status: HealthStatus): 'error' | 'warn' | 'info' {
  if (status === 'critical') return 'error';
  return status === 'warning' || status === 'unknown' ? 'warn' : 'info';
}

function messagesOf(check: HealthCheckResult['checks'][number]): string {
  return check.metrics.map((metric) => metric.message).join('; ') || (check.error ?? 'no metrics');
}
