import type { HealthStatus } from './status.js';
import type { ThresholdPair } from './thresholds.js';

/** One measured value and what it means; docs/design.md §3. */
export interface HealthMetric {
  /** e.g. `cpuPercent`, `tcpLatencyMs`; threshold names where the metric has thresholds. */
  readonly name: string;
  /** A number, a short code (a process state letter), or null when nothing was measured. */
  readonly value: number | string | null;
  readonly unit: string;
  readonly status: HealthStatus;
  readonly thresholds: ThresholdPair | null;
  /** One line for an operator: what was seen and why it has this status. */
  readonly message: string;
  readonly timestamp: number;
  /** Checks in a row at the critical level, while below `failureThreshold` or at it. */
  readonly breaches?: number;
  /** Over a hard limit (child.maxMemoryMb): critical at once, and restarted at once. */
  readonly overLimit?: true;
  /**
   * Set on an `unknown` probe metric when something answered, but not as the probe
   * expects (a plain HTTP server, a TLS certificate the probe does not trust): a setting
   * to fix, logged once, never counted against the child.
   */
  readonly mismatch?: ProbeMismatch;
}

export interface ProbeMismatch {
  /** What the probe saw, e.g. "HTTP 404 at /socket.io/", "self-signed certificate". */
  readonly cause: string;
  /** The setting that fixes it. */
  readonly hint: string;
}

/** Rounds for display: whole numbers stay whole, others keep what matters. */
export function showNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

export function showValue(value: number | string | null, unit: string): string {
  if (value === null) return 'n/a';
  if (typeof value === 'string') return value;
  const suffix = unit === 'percent' ? ' %' : unit === 'count' ? '' : ` ${unit}`;
  return `${showNumber(value)}${suffix}`;
}

/** A measurement rated against its thresholds: at or above a level has reached it. */
export function rated(name: string, value: number, unit: string, thresholds: ThresholdPair | null, timestamp: number): HealthMetric {
  const shown = showValue(value, unit);
  let status: HealthStatus = 'healthy';
  let message = `${name} ${shown}`;
  if (thresholds !== null) {
    const limitOf = (level: number): string => showValue(level, unit);
    if (value >= thresholds.critical) {
      status = 'critical';
      message = `${name} ${shown} ≥ critical ${limitOf(thresholds.critical)}`;
    } else if (value >= thresholds.warning) {
      status = 'warning';
      message = `${name} ${shown} ≥ warning ${limitOf(thresholds.warning)}`;
    }
  }
  return { name, value, unit, status, thresholds, message, timestamp };
}

/** A measurement with no thresholds: always healthy, shown for the record. */
export function info(name: string, value: number | string | null, unit: string, timestamp: number): HealthMetric {
  return { name, value, unit, status: 'healthy', thresholds: null, message: `${name} ${showValue(value, unit)}`, timestamp };
}

/** A probe that failed (refused, timed out) or a state that is bad in itself. */
export function failed(name: string, unit: string, message: string, timestamp: number, value: number | string | null = null): HealthMetric {
  return { name, value, unit, status: 'critical', thresholds: null, message, timestamp };
}

/** A metric that could not be measured; says nothing about the child. */
export function unknown(name: string, unit: string, message: string, timestamp: number): HealthMetric {
  return { name, value: null, unit, status: 'unknown', thresholds: null, message, timestamp };
}
