import { DEFAULT_THRESHOLDS, type CheckContext, type HealthMetric, type HealthTarget, type ProbeAddress, type Thresholds } from '../../src/index.js';

/** The child as a checker sees it: a pid, and where to probe when there is a port. */
export function targetFor(pid: number, extra: Partial<HealthTarget> = {}): HealthTarget {
  return { pid, generation: 1, startedAt: Date.now(), address: undefined, agent: undefined, ...extra };
}

export function localAddress(port: number): ProbeAddress {
  return { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, shownUrl: `http://127.0.0.1:${port}`, source: 'port', path: '/socket.io/', tls: { rejectUnauthorized: true } };
}

/** One round's context, on real time. */
export function contextWith({
  timeoutMs = 5000,
  thresholds = DEFAULT_THRESHOLDS,
  signal = new AbortController().signal,
}: { timeoutMs?: number; thresholds?: Partial<Thresholds>; signal?: AbortSignal } = {}): CheckContext {
  return { timeoutMs, signal, thresholds: { ...DEFAULT_THRESHOLDS, ...thresholds }, now: () => Date.now() };
}

/** The metric called `name`; fails naming the ones there are. */
export function metricNamed(metrics: readonly HealthMetric[], name: string): HealthMetric {
  const metric = metrics.find((candidate) => candidate.name === name);
  if (metric === undefined) throw new Error(`no ${name} metric among ${metrics.map((candidate) => candidate.name).join(', ') || 'none'}`);
  return metric;
}

/** The numeric value of a metric; fails when it has none. */
export function numberOf(metric: HealthMetric): number {
  if (typeof metric.value !== 'number') throw new Error(`${metric.name} has no number: ${JSON.stringify(metric)}`);
  return metric.value;
}

export { freePort } from '../../../../test/helpers/ports.js';
