import type { CustomCheck } from '@mpm/config';
import type { CheckSpec } from '@mpm/health';

/** What every check's HealthChecker takes from its entry; what is left out follows health.*. */
export function specOf(check: CustomCheck): CheckSpec {
  return {
    name: check.name,
    ...(check.timeoutMs === undefined ? {} : { timeoutMs: check.timeoutMs }),
    ...(check.failureThreshold === undefined ? {} : { failureThreshold: check.failureThreshold }),
    ...(check.thresholds === undefined ? {} : { thresholds: check.thresholds }),
  };
}
