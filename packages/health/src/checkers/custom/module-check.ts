import type { CheckContext, HealthChecker } from '../../checker.js';
import { unknown, type HealthMetric } from '../../metric.js';
import type { HealthStatus } from '../../status.js';
import type { HealthTarget } from '../../target.js';
import { judge, type CheckSpec } from './custom-checker.js';
import { oneLine } from './exec-output.js';

/** A metric name a module may declare: it becomes `<check>.<name>`. */
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
const MAX_METRICS = 16;
const STATUSES: ReadonlySet<string> = new Set<HealthStatus>(['healthy', 'warning', 'critical', 'unknown']);

/** What is wrong with the shape of what a module gave: one line, naming what is missing. */
export class CheckModuleError extends Error {
  override readonly name = 'CheckModuleError';
}

/**
 * A module's HealthChecker made safe to run beside the built-in ones. Its shape is checked
 * here, at once (a `check` function, `metrics` a list of 1 to 16 names); each round, what
 * it reports is read as data: its metrics are renamed `<check>.<metric>` (so that they can
 * never collide with a built-in one or another check's), a metric it did not declare, a
 * value that is not a number, a string or null, or an answer that is not a list of metrics
 * makes the round `unknown`, as a throw or a hang does (the monitor's run-checker): a
 * check's own failure is never held against the child. A metric without a status is rated
 * by the check's thresholds when its value is a number, healthy otherwise.
 */
export function moduleCheck(spec: CheckSpec, candidate: unknown): HealthChecker {
  const user = shapeOf(candidate);
  const names = new Map(user.metrics.map((metric) => [metric, `${spec.name}.${metric}`]));
  const metrics = Object.freeze([...names.values()]);
  return {
    name: spec.name,
    probe: false,
    userDefined: true,
    metrics,
    ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
    ...(spec.failureThreshold === undefined ? {} : { failureThreshold: spec.failureThreshold }),
    async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
      const answer: unknown = await user.check(target, context);
      const at = context.now();
      const read = readAnswer(answer, names, spec, at);
      if (typeof read === 'string') return metrics.map((name) => unknown(name, '', `${spec.name}: ${read}`, at));
      return read;
    },
    close(): void {
      try {
        user.close?.();
      } catch {
        // Its own trouble, at the end: nothing to tell.
      }
    },
  };
}

interface UserChecker {
  readonly metrics: readonly string[];
  check(target: HealthTarget, context: CheckContext): unknown;
  close?(): void;
}

function shapeOf(candidate: unknown): UserChecker {
  if (candidate === null || typeof candidate !== 'object') throw new CheckModuleError(`its default export is ${describe(candidate)}, not a HealthChecker object (or a function that returns one)`);
  const object = candidate as Record<string, unknown>;
  const check = object['check'];
  const declared = object['metrics'];
  const close = object['close'];
  if (typeof check !== 'function') throw new CheckModuleError('its HealthChecker has no check(target, context) function');
  if (!Array.isArray(declared) || declared.length === 0 || declared.length > MAX_METRICS) {
    throw new CheckModuleError(`its HealthChecker needs "metrics", a list of 1 to ${MAX_METRICS} metric names, got ${describe(declared)}`);
  }
  const bad = declared.find((name) => typeof name !== 'string' || !METRIC_NAME.test(name));
  if (bad !== undefined) throw new CheckModuleError(`its metric name ${JSON.stringify(bad)} is not letters, digits, "-" and "_" starting with a letter (at most 40)`);
  if (new Set(declared).size !== declared.length) throw new CheckModuleError('its "metrics" name one metric twice');
  if (close !== undefined && typeof close !== 'function') throw new CheckModuleError('its "close" is not a function');
  return {
    metrics: declared as string[],
    check: (target, context) => (check as UserChecker['check']).call(candidate, target, context),
    ...(close === undefined ? {} : { close: () => (close as () => void).call(candidate) }),
  };
}

/** The metrics of one answer, or why the answer cannot be used. */
function readAnswer(answer: unknown, names: ReadonlyMap<string, string>, spec: CheckSpec, at: number): HealthMetric[] | string {
  if (!Array.isArray(answer)) return `check() gave ${describe(answer)}, not a list of metrics`;
  const metrics: HealthMetric[] = [];
  for (const item of answer as unknown[]) {
    if (item === null || typeof item !== 'object') return `check() gave ${describe(item)} in its list, not a metric`;
    const metric = item as Record<string, unknown>;
    const own = metric['name'];
    const name = typeof own === 'string' ? names.get(own) : undefined;
    if (name === undefined) return `check() reported ${JSON.stringify(own)}, which is not in its "metrics"`;
    if (metrics.some((seen) => seen.name === name)) return `check() reported ${JSON.stringify(own)} twice`;
    const value = metric['value'] ?? null;
    if (value !== null && typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) return `check() gave ${JSON.stringify(own)} the value ${describe(value)}`;
    const unit = typeof metric['unit'] === 'string' ? metric['unit'].slice(0, 16) : '';
    const given = metric['status'];
    if (given !== undefined && (typeof given !== 'string' || !STATUSES.has(given))) return `check() gave ${JSON.stringify(own)} the status ${describe(given)} (healthy, warning, critical or unknown)`;
    const rating = typeof value === 'number' ? judge(value, spec.thresholds, unit) : { status: 'healthy' as const, limit: '' };
    const status = (given as HealthStatus | undefined) ?? rating.status;
    const said = typeof metric['message'] === 'string' ? oneLine(metric['message']) : undefined;
    const shown = value === null ? '' : ` ${typeof value === 'number' ? Number(value.toFixed(3)) : value}${unit === '' || unit === 'count' ? '' : ` ${unit}`}`;
    const message = `${spec.name}: ${said ?? `${String(own)}${shown}${given === undefined ? rating.limit : ''}`}`;
    metrics.push({ name, value, unit, status, thresholds: given === undefined ? (spec.thresholds ?? null) : null, message, timestamp: at });
  }
  return metrics;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'undefined':
      return 'nothing';
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'function':
      return 'a function';
    default:
      return `an ${typeof value}`;
  }
}
