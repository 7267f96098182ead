import type { HealthCheckResult, HealthMetric, HealthMonitor, HealthStatus } from '@mpm/health';
import { healthVerdict, type StatusView } from '@mpm/http';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Status as a number, worst highest, so that an alert can say `>= 3`. Unknown is left out. */
export const HEALTH_STATUS_VALUES: Readonly<Record<Exclude<HealthStatus, 'unknown'>, number>> = { healthy: 0, starting: 1, warning: 2, critical: 3 };

/** /health's overall verdict in the same scale: pass 0, warn 2, fail 3. */
const VERDICT_VALUES = { pass: 0, warn: 2, fail: 3 } as const;

/** The probes, by the health metric that times each. */
const PROBES: Readonly<Record<string, string>> = { tcpLatencyMs: 'tcp', socketioLatencyMs: 'socketio', ipcLatencyMs: 'ipc' };

/** Metrics that can be anything but healthy: those with thresholds, the probes, the process state, the user-defined checks. */
function canFail(metric: HealthMetric, userDefined: ReadonlySet<string>): boolean {
  return metric.thresholds !== null || metric.name === 'processState' || metric.name in PROBES || userDefined.has(metric.name);
}

/** The metric names of the user-defined checks (health.custom) in a round. */
function userDefinedMetrics(result: HealthCheckResult | undefined): Set<string> {
  return new Set((result?.checks ?? []).flatMap((check) => (check.userDefined === true ? check.metrics.map((metric) => metric.name) : [])));
}

export const CHECK_VALUE = 'mpm_check_value';

/**
 * Health in Prometheus terms (docs/design.md §6): each check's status (read at scrape time),
 * and every probe and round timed as it happens.
 */
export function registerHealthMetrics(registry: Registry, monitor: HealthMonitor, view: () => StatusView): () => void {
  new Gauge({
    name: 'mpm_health_status',
    help: `Status of each health check of the current child (${Object.entries(HEALTH_STATUS_VALUES)
      .map(([status, value]) => `${value} ${status}`)
      .join(', ')}); check="overall" is /health's verdict`,
    labelNames: ['check'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const current = view();
      if (current.child.state === 'running') {
        const latest = current.health.latest;
        const userDefined = userDefinedMetrics(latest);
        for (const metric of latest?.metrics ?? []) {
          if (metric.status !== 'unknown' && canFail(metric, userDefined)) this.set({ check: metric.name }, HEALTH_STATUS_VALUES[metric.status]);
        }
      }
      this.set({ check: 'overall' }, VERDICT_VALUES[healthVerdict(current).status]);
    },
  });
  new Gauge({
    name: CHECK_VALUE,
    help: "The value each user-defined check (health.custom) measured in the latest round of the current child: an http, tcp or socketio check's time to answer, an exec check's number, a module's metrics; absent when it measured none",
    labelNames: ['check', 'unit'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const current = view();
      if (current.child.state !== 'running') return;
      const latest = current.health.latest;
      const userDefined = userDefinedMetrics(latest);
      for (const metric of latest?.metrics ?? []) {
        if (userDefined.has(metric.name) && typeof metric.value === 'number') this.set({ check: metric.name, unit: metric.unit }, metric.value);
      }
    },
  });
  const probes = new Histogram({
    name: 'mpm_probe_duration_seconds',
    help: 'Time to an answer of each probe that was answered (tcp connect, Socket.IO ping, IPC ping)',
    labelNames: ['probe'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'mpm_probe_failures_total',
    help: 'Probes that got no answer (refused, timed out, not answering)',
    labelNames: ['probe'] as const,
    registers: [registry],
  });
  const rounds = new Histogram({
    name: 'mpm_health_round_duration_seconds',
    help: 'Time one round of every health check took',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  for (const probe of Object.values(PROBES)) failures.inc({ probe }, 0);
  const onResult = (result: HealthCheckResult): void => {
    rounds.observe(result.durationMs / 1000);
    for (const metric of result.metrics) {
      const probe = PROBES[metric.name];
      if (probe === undefined) continue;
      if (typeof metric.value === 'number') probes.observe({ probe }, metric.value / 1000);
      else if (metric.status === 'critical' || metric.status === 'starting') failures.inc({ probe });
    }
  };
  return monitor.onResult(onResult);
}
