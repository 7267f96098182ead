import type { HealthMetric } from '@mpm/health';
import type { RecoveryAction } from './actions.js';

/**
 * The user-defined checks (health.custom) by name, each with its maxAction: how far a
 * failure of that check may climb. A dependency that is down is not fixed by restarting
 * the server, so it is the user who says.
 */
export type CheckCeilings = Readonly<Record<string, RecoveryAction>>;

/**
 * The ceiling of the check a metric belongs to, or undefined for a built-in metric. A
 * check's metric is named after it (`db`), a module check's `<check>.<metric>`: built-in
 * names have no dot, and a check cannot take one's name.
 */
export function checkCeilingOf(metric: string, checks: CheckCeilings): RecoveryAction | undefined {
  if (Object.hasOwn(checks, metric)) return checks[metric];
  const dot = metric.indexOf('.');
  const check = dot === -1 ? undefined : metric.slice(0, dot);
  return check !== undefined && Object.hasOwn(checks, check) ? checks[check] : undefined;
}

/** Metrics of a check that may only be logged: what they say cannot be helped by acting on the child. */
export function isLogOnly(metric: Pick<HealthMetric, 'name'>, checks: CheckCeilings): boolean {
  return checkCeilingOf(metric.name, checks) === 'log_warning';
}
