import { worstOf, type HealthCheckResult } from '@mpm/health';
import { isLogOnly, type CheckCeilings } from './check-failures.js';

/**
 * Healthy as recovery counts it: ready, and nothing failing. A threshold warning (a
 * busy server) is fine; a probe that failed once, on its way to critical, is not. A
 * user-defined check that may only be logged (maxAction log_warning: a dependency) is
 * left out: acting on the child cannot mend it, so it must not make an action look failed
 * or keep the breaker from closing.
 */
export function countsAsHealthy(result: HealthCheckResult, checks: CheckCeilings = {}): boolean {
  if (result.readiness !== 'ready') return false;
  const metrics = result.metrics.filter((metric) => !isLogOnly(metric, checks));
  const status = metrics.length === result.metrics.length ? result.status : worstOf(metrics.map((metric) => metric.status));
  if (status === 'healthy') return true;
  if (status !== 'warning') return false;
  return metrics.every((metric) => metric.breaches === undefined || metric.status === 'healthy');
}
