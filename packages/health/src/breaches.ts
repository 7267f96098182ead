import type { HealthMetric } from './metric.js';

/**
 * The no-flapping rule of DESIGN §3: a metric at its critical level counts as critical only
 * after `failureThreshold` checks in a row; until then it is a warning that says how far
 * along it is. A healthy or warning reading ends the run; `unknown` neither counts nor
 * ends it, because it says nothing about the child.
 */
export class BreachCounter {
  readonly #runs = new Map<string, number>();

  apply(metrics: readonly HealthMetric[], failureThreshold: number): HealthMetric[] {
    return metrics.map((metric) => {
      if (metric.status === 'unknown') return metric;
      if (metric.status !== 'critical') {
        this.#runs.delete(metric.name);
        return metric;
      }
      const breaches = (this.#runs.get(metric.name) ?? 0) + 1;
      this.#runs.set(metric.name, breaches);
      if (breaches >= failureThreshold) return { ...metric, breaches };
      return {
        ...metric,
        status: 'warning',
        breaches,
        message: `${metric.message} (${breaches} of ${failureThreshold} in a row before critical)`,
      };
    });
  }

  /** A new child starts with a clean slate. */
  reset(): void {
    this.#runs.clear();
  }
}
