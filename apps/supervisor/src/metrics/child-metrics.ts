import type { HealthMetric } from '@mpm/health';
import { readinessVerdict, type StatusView } from '@mpm/http';
import { Counter, Gauge, type Registry } from 'prom-client';

const MIB = 1024 * 1024;

/**
 * A child gauge fed from one health metric. NaN while nothing was measured (no child, or
 * the check could not run), so that a graph shows a gap rather than a made-up zero.
 */
interface Measured {
  readonly name: string;
  readonly help: string;
  readonly metric: string;
  readonly scale: number;
}

export const CHILD_GAUGES: readonly Measured[] = [
  { name: 'mpm_child_cpu_percent', help: 'CPU use of the child process, percent of one core', metric: 'cpuPercent', scale: 1 },
  { name: 'mpm_child_memory_rss_bytes', help: 'Resident memory of the child process', metric: 'memoryMb', scale: MIB },
  { name: 'mpm_child_open_fds', help: 'Open file descriptors of the child process (/proc)', metric: 'openFds', scale: 1 },
  { name: 'mpm_child_threads', help: 'Threads of the child process (/proc)', metric: 'threads', scale: 1 },
  { name: 'mpm_child_event_loop_lag_seconds', help: "Event-loop lag the child's agent measured", metric: 'eventLoopLagMs', scale: 1 / 1000 },
  { name: 'mpm_child_heap_used_bytes', help: "V8 heap in use, as the child's agent reported it", metric: 'heapUsedMb', scale: MIB },
  { name: 'mpm_socketio_clients', help: "Connected Socket.IO clients, as the child's agent counted them (the probe left out)", metric: 'clients', scale: 1 },
  { name: 'mpm_socketio_errors_per_minute', help: "Socket.IO errors in the last minute, as the child's agent counted them", metric: 'errorsPerMinute', scale: 1 },
  { name: 'mpm_socketio_events_per_second', help: "Socket.IO events per second, as the child's agent counted them", metric: 'eventsPerSecond', scale: 1 },
];

/**
 * The child in Prometheus terms (docs/design.md §6): up, ready, uptime, restarts, and its
 * resources and service figures from the latest health round. Read at scrape time.
 */
export function registerChildMetrics(registry: Registry, view: () => StatusView): void {
  new Gauge({
    name: 'mpm_child_up',
    help: 'Whether the child process is running (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(view().child.state === 'running' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mpm_child_ready',
    help: 'Whether the child should get traffic (1), as /health/ready says, or not (0)',
    registers: [registry],
    collect() {
      this.set(readinessVerdict(view()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mpm_child_uptime_seconds',
    help: 'How long the current child has run; 0 while none runs',
    registers: [registry],
    collect() {
      const { child, now } = view();
      this.set(child.startedAt === null ? 0 : (now - child.startedAt) / 1000);
    },
  });
  let counted = 0;
  new Counter({
    name: 'mpm_child_restarts_total',
    help: 'Times the child was spawned again after its first start, whatever the cause',
    registers: [registry],
    collect() {
      const restarts = view().child.restarts;
      if (restarts > counted) this.inc(restarts - counted);
      counted = Math.max(counted, restarts);
    },
  });
  for (const gauge of CHILD_GAUGES) {
    new Gauge({
      name: gauge.name,
      help: gauge.help,
      registers: [registry],
      collect() {
        const { child, health } = view();
        const measured = child.state === 'running' ? valueOf(health.latest?.metrics, gauge.metric) : undefined;
        this.set(measured === undefined ? Number.NaN : measured * gauge.scale);
      },
    });
  }
}

function valueOf(metrics: readonly HealthMetric[] | undefined, name: string): number | undefined {
  const value = metrics?.find((metric) => metric.name === name)?.value;
  return typeof value === 'number' ? value : undefined;
}
