/**
 * How a metric, a checker or the whole child is doing. Worst wins when aggregating:
 * healthy < starting < warning < critical. `unknown` (the check could not run) ranks
 * lowest, so it never hides a known status and never counts as a failure of the child.
 * `starting` is what a failing probe means while a new child is not ready yet.
 */
export type HealthStatus = 'unknown' | 'healthy' | 'starting' | 'warning' | 'critical';

const RANK: Readonly<Record<HealthStatus, number>> = { unknown: 0, healthy: 1, starting: 2, warning: 3, critical: 4 };

export function isWorse(a: HealthStatus, b: HealthStatus): boolean {
  return RANK[a] > RANK[b];
}

/** The worst of the statuses; unknown when there are none (or only unknowns). */
export function worstOf(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'unknown';
  for (const status of statuses) if (isWorse(status, worst)) worst = status;
  return worst;
}

/** Where a new child is in its start: the startup rule of docs/design.md §3. */
export type Readiness = 'starting' | 'ready' | 'startup_timeout';
