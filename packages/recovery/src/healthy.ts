import type { HealthCheckResult } from '@mpm/health';

/**
 * Healthy as recovery counts it: ready, and nothing failing. A threshold warning (a
 * busy server) is fine; a probe that failed once, on its way to critical, is not.
 */
export function countsAsHealthy(result: HealthCheckResult): boolean {
  if (result.readiness !== 'ready') return false;
  if (result.status === 'healthy') return true;
  if (result.status !== 'warning') return false;
  return result.metrics.every((metric) => metric.breaches === undefined || metric.status === 'healthy');
}
