import type { HealthMetric } from './metric.js';

const NO_OVERRIDES: ReadonlyMap<string, number> = new Map();

/**
 * The no-flapping rule of docs/design.md §3: a metric at its critical level counts as critical only
 * after `failureThreshold` checks in a row; until then it is a warning that says how far
 * along it is. A healthy or warning reading ends the run; `unknown` neither counts nor
 * ends it, because it says nothing about the child.
 */
export class BreachCounter {
  readonly #runs = new Map<string, number>();

  /**
   * `failureThreshold` holds for every metric but those in `overrides` (a user-defined
   * check's own failureThreshold, by metric name).
   */
  apply(metrics: readonly HealthMetric[], failureThreshold: number, overrides: ReadonlyMap<string, number> = NO_OVERRIDES): HealthMetric[] {
    return metrics.map((metric) => {
      if (metric.status === 'unknown') return metric;
      const threshold = overrides.get(metric.name) ?? failureThreshold;
      if (metric.status !== 'critical') {
        this.#runs.delete(metric.name);
        return metric;
      }
      const breaches = (this.#runs.get(metric.name) ?? 0) + 1;
      this.#runs.set(metric.name, breaches);
      if (breaches >= threshold) return { ...metric, breaches };
      return {
        ...metric,
        status: 'warning',
        breaches,
        message: `${metric.message} (${breaches} of ${threshold} in a row before critical)`,
      };
    });
  }

  /** A new child starts with a clean slate. */
  reset(): void {
    this.#runs.clear();
  }
}
