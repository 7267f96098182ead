import type { HealthMetric } from './metric.js';
import type { HealthStatus, Readiness } from './status.js';

/** What one checker reported in a round. */
export interface CheckerResult {
  readonly name: string;
  readonly status: HealthStatus;
  readonly durationMs: number;
  readonly metrics: readonly HealthMetric[];
  /** Set when the checker threw or did not finish: its metrics are then `unknown`. */
  readonly error?: string;
  /** A user-defined check (health.custom): shown like the others, judged apart by recovery. */
  readonly userDefined?: true;
}

/** One round of every checker against one child; docs/design.md §3. */
export interface HealthCheckResult {
  /** Worst of the metrics. */
  readonly status: HealthStatus;
  readonly readiness: Readiness;
  readonly pid: number;
  readonly generation: number;
  readonly metrics: readonly HealthMetric[];
  readonly checks: readonly CheckerResult[];
  /** When the round started. */
  readonly timestamp: number;
  readonly durationMs: number;
}

/** The metrics that make a result worse than healthy, worst first: the reason for a status. */
export function causesOf(result: Pick<HealthCheckResult, 'metrics'>): HealthMetric[] {
  const order: Readonly<Record<HealthStatus, number>> = { critical: 0, warning: 1, starting: 2, unknown: 3, healthy: 4 };
  return result.metrics.filter((metric) => metric.status === 'critical' || metric.status === 'warning' || metric.status === 'starting').sort((a, b) => order[a.status] - order[b.status]);
}
