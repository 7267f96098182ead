import { showNumber, showValue } from '@mpm/health';
import type { MetricLevel, MetricReading } from './diagnostics-summary.js';

/** Only these make a child less than healthy; `unknown` (not measured) says nothing about it. */
const RANK: Readonly<Partial<Record<MetricLevel, number>>> = { critical: 0, warning: 1, starting: 2 };

/**
 * The one metric to show for a child's health: the most severe status first; among
 * equals, a failure with no threshold (process gone, probe refused: the child does not
 * serve) before a threshold breach, then the breach furthest past its limit. Null when
 * every metric is healthy or unmeasured.
 */
export function worstMetric(metrics: readonly MetricReading[]): MetricReading | null {
  return causesWorstFirst(metrics)[0] ?? null;
}

/** Every metric that makes the child less than healthy, worst first (as worstMetric ranks them). */
export function causesWorstFirst(metrics: readonly MetricReading[]): MetricReading[] {
  // Array.prototype.sort is stable: equals keep the document's order.
  return metrics.filter((metric) => RANK[metric.status] !== undefined).sort(compare);
}

/** Negative when `a` is worse than `b`; 0 keeps the document's order. */
function compare(a: MetricReading, b: MetricReading): number {
  const byStatus = (RANK[a.status] ?? 9) - (RANK[b.status] ?? 9);
  if (byStatus !== 0) return byStatus;
  const overA = overshoot(a);
  const overB = overshoot(b);
  if (overA === null || overB === null) return overA === overB ? 0 : overA === null ? -1 : 1;
  return overB - overA;
}

/** How far past its limit a breach is (1.84 for 1840 ms over 1000); null for a failure without a threshold. */
function overshoot(metric: MetricReading): number | null {
  const limit = limitOf(metric);
  if (limit === null || typeof metric.value !== 'number') return null;
  return limit > 0 ? metric.value / limit : metric.value - limit;
}

/** The threshold a breach crossed: the critical one for critical, the warning one below it. */
function limitOf(metric: MetricReading): number | null {
  if (metric.thresholds === null) return null;
  if (metric.status === 'critical') return metric.thresholds.critical;
  if (metric.status === 'warning') return metric.thresholds.warning;
  return null;
}

/**
 * The metric in a few words: `eventLoopLagMs 1840 ms ≥ 1000` for a breach; the
 * checker's own line (`process 4242 is T (stopped)`) for anything else.
 */
export function describeMetric(metric: MetricReading): string {
  const limit = limitOf(metric);
  if (limit === null || typeof metric.value !== 'number' || metric.value < limit) return metric.message;
  return `${metric.name} ${showValue(metric.value, metric.unit)} ≥ ${showNumber(limit)}`;
}
