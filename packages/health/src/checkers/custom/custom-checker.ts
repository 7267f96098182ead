import type { CheckContext, HealthChecker } from '../../checker.js';
import { failed, showValue, unknown, type HealthMetric } from '../../metric.js';
import type { HealthStatus } from '../../status.js';
import type { HealthTarget } from '../../target.js';
import type { ThresholdPair } from '../../thresholds.js';

/** What every user-defined check has (health.custom[]), whatever it looks at. */
export interface CheckSpec {
  /** The check's name, which is also its one metric's name. */
  readonly name: string;
  /** Absent: the monitor's probe timeout. */
  readonly timeoutMs?: number;
  /** Absent: the monitor's failureThreshold. */
  readonly failureThreshold?: number;
  /** Warning above critical: lower values are worse. */
  readonly thresholds?: ThresholdPair;
}

/**
 * What one run of a check found:
 * - `measured`: it worked; `value` (null when nothing was counted) is rated by the
 *   thresholds, and the message reads `<name>: <detail> <value>`;
 * - `failed`: what it checks is not right (a 503, exit 2, no ack), critical;
 * - `unknown`: the check itself could not run (its command is gone, the probe's address
 *   is not known yet): never held against the child.
 */
export type Reading =
  | { readonly kind: 'measured'; readonly value: number | null; readonly detail: string }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'unknown'; readonly message: string };

export type Measure = (target: HealthTarget, context: CheckContext) => Promise<Reading>;

/** A value against a warning and a critical level; with warning above critical, lower is worse. */
export function judge(value: number, thresholds: ThresholdPair | undefined, unit: string): { status: HealthStatus; limit: string } {
  if (thresholds === undefined) return { status: 'healthy', limit: '' };
  const falling = thresholds.warning > thresholds.critical;
  const reached = (level: number): boolean => (falling ? value <= level : value >= level);
  const sign = falling ? '≤' : '≥';
  if (reached(thresholds.critical)) return { status: 'critical', limit: ` ${sign} critical ${showValue(thresholds.critical, unit)}` };
  if (reached(thresholds.warning)) return { status: 'warning', limit: ` ${sign} warning ${showValue(thresholds.warning, unit)}` };
  return { status: 'healthy', limit: '' };
}

/**
 * One user-defined check as a HealthChecker: one metric, named after the check, from one
 * `measure` per round. Not a probe of the child: it never makes a new child ready.
 */
export class CustomChecker implements HealthChecker {
  readonly name: string;
  readonly probe = false;
  readonly userDefined = true;
  readonly metrics: readonly string[];
  readonly timeoutMs: number | undefined;
  readonly failureThreshold: number | undefined;
  readonly #spec: CheckSpec;
  readonly #unit: string;
  readonly #measure: Measure;
  readonly #close: (() => void) | undefined;

  constructor(spec: CheckSpec, unit: string, measure: Measure, close?: () => void) {
    this.name = spec.name;
    this.metrics = Object.freeze([spec.name]);
    this.timeoutMs = spec.timeoutMs;
    this.failureThreshold = spec.failureThreshold;
    this.#spec = spec;
    this.#unit = unit;
    this.#measure = measure;
    this.#close = close;
  }

  async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
    const reading = await this.#measure(target, context);
    return [this.#metric(reading, context.now())];
  }

  close(): void {
    this.#close?.();
  }

  #metric(reading: Reading, at: number): HealthMetric {
    const { name, thresholds } = this.#spec;
    const unit = this.#unit;
    switch (reading.kind) {
      case 'failed':
        return failed(name, unit, `${name}: ${reading.message}`, at);
      case 'unknown':
        return unknown(name, unit, `${name}: ${reading.message}`, at);
      case 'measured': {
        const { value, detail } = reading;
        const pair = thresholds ?? null;
        if (value === null) return { name, value, unit, status: 'healthy', thresholds: pair, message: `${name}: ${detail}`, timestamp: at };
        const { status, limit } = judge(value, thresholds, unit);
        return { name, value, unit, status, thresholds: pair, message: `${name}: ${detail} ${showValue(value, unit)}${limit}`, timestamp: at };
      }
    }
  }
}
