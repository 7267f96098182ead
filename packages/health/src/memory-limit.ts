import { showValue, type HealthMetric } from './metric.js';

/**
 * The hard memory limit (child.maxMemoryMb), as PM2's max_memory_restart or a container's
 * memory limit: a child over it is critical at once, without the failureThreshold run a
 * threshold waits for, because a leak does not flap and every round of waiting lets it
 * grow further past the limit. The metric says so, and recovery restarts at once.
 */
export function applyMemoryLimit(metrics: HealthMetric[], limitMb: number | null | undefined): HealthMetric[] {
  if (limitMb === null || limitMb === undefined) return metrics;
  return metrics.map((metric) => {
    if (metric.name !== 'memoryMb' || typeof metric.value !== 'number' || metric.value < limitMb) return metric;
    const message = `memoryMb ${showValue(metric.value, metric.unit)} ≥ limit ${showValue(limitMb, metric.unit)} (child.maxMemoryMb)`;
    return { ...metric, status: 'critical', message, overLimit: true };
  });
}
