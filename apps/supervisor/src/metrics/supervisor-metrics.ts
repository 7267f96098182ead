import type { HealthMonitor } from '@mpm/health';
import type { StatusView } from '@mpm/http';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';
import { registerChildMetrics } from './child-metrics.js';
import { registerHealthMetrics } from './health-metrics.js';

/**
 * Everything /metrics serves besides recovery: the child, its health, and the
 * supervisor's own process (prom-client's default metrics: CPU, memory, FDs, event loop).
 */
export function registerSupervisorMetrics(registry: Registry, monitor: HealthMonitor, view: () => StatusView): () => void {
  const { name, version } = view();
  new Gauge({
    name: 'mpm_supervisor_info',
    help: 'Always 1; the labels say which supervisor and version answer',
    labelNames: ['name', 'version', 'node_version'] as const,
    registers: [registry],
  }).set({ name, version, node_version: process.versions.node }, 1);
  // The event-loop delay histogram samples every 100 ms rather than prom-client's 10 ms: a
  // wake-up 100 times a second was most of an idle supervisor's CPU; lag that matters is longer.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  // Gauges that end in _total break the Prometheus naming rules (promtool check metrics
  // says so); each is the sum of its labelled sibling without the suffix, so nothing is lost.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  registerChildMetrics(registry, view);
  return registerHealthMetrics(registry, monitor, view);
}
