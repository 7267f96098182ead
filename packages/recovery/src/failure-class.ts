import type { HealthMetric } from '@mpm/health';
import type { RecoveryAction } from './actions.js';

/**
 * What is wrong with the child, named so that users can grep for it (docs/design.md §4):
 * - `crashed`: it exited on its own (exit code or signal);
 * - `hung`: alive, but its Socket.IO and IPC pings time out (Socket.IO's only once it has
 *   answered this child: an answer that is not Socket.IO is a probe mismatch, not a hang);
 * - `stopped`: state T (SIGSTOP, a debugger);
 * - `port_closed`: alive and answering over IPC, but its port does not serve;
 * - `resource`: a threshold (which one is in `thresholds`);
 * - `startup_timeout`: never became ready within child.startupTimeoutMs;
 * - `check_failed`: a user-defined check (health.custom), named in `thresholds`, and
 *   nothing built-in: it may climb no higher than the check's maxAction.
 */
export const FAILURE_CLASSES = ['crashed', 'hung', 'stopped', 'port_closed', 'resource', 'startup_timeout', 'check_failed'] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];

export type Severity = 'warning' | 'critical';

/** How a restart reaches the child: a hung or stopped one reads no IPC message. */
export type RestartVia = 'message' | 'signal';

/** The part of a metric that a recovery record keeps. */
export interface MetricSummary {
  readonly name: string;
  readonly value: number | string | null;
  readonly unit: string;
  readonly status: HealthMetric['status'];
  readonly message: string;
}

/** A failure, classified from several signals together, and what may be done about it. */
export interface Diagnosis {
  readonly failureClass: FailureClass;
  readonly severity: Severity;
  /** One line for an operator: the causes, worst first. */
  readonly reason: string;
  readonly metrics: readonly MetricSummary[];
  /** For `resource`: the thresholds breached; for `check_failed`: the checks' metrics; empty otherwise. */
  readonly thresholds: readonly string[];
  /** The first rung that can help this class. */
  readonly floor: RecoveryAction;
  /** The highest rung this failure may reach (docs/design.md §4, ceilings). */
  readonly ceiling: RecoveryAction;
  readonly restartVia: RestartVia;
  readonly generation: number;
  readonly pid: number | null;
}

export function summarize(metric: HealthMetric): MetricSummary {
  return { name: metric.name, value: metric.value, unit: metric.unit, status: metric.status, message: metric.message };
}
