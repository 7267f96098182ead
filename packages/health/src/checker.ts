import type { HealthMetric } from './metric.js';
import type { HealthTarget } from './target.js';
import type { Thresholds } from './thresholds.js';

/** What a checker gets besides the target for one round. */
export interface CheckContext {
  /** The probe timeout: a checker answers within it, a timed-out probe is a result. */
  readonly timeoutMs: number;
  /** Aborted when the monitor stops waiting (the round was abandoned or timed out). */
  readonly signal: AbortSignal;
  readonly thresholds: Thresholds;
  /** Clock time, for metric timestamps and latencies. */
  now(): number;
}

/**
 * One way of looking at the child (docs/design.md §3). `check` reports what it measured, rated
 * against the thresholds; a failed probe is a critical metric, not a throw. The monitor
 * turns a throw or a hang into `unknown` for the names in `metrics`.
 */
export interface HealthChecker {
  readonly name: string;
  /**
   * True for a probe that reaches the service (TCP, Socket.IO, IPC), false for a look at
   * the process from the kernel: only a probe that answers can make a new child ready.
   */
  readonly probe: boolean;
  /** A probe of the child's port: it has nothing to do until the port is known. */
  readonly needsAddress?: boolean;
  /** Every metric name the checker may report. */
  readonly metrics: readonly string[];
  /**
   * A user-defined check (health.custom): what it looks at may be something else than
   * the child (a database it needs), so it never decides whether a new child is ready.
   */
  readonly userDefined?: boolean;
  /** Its own timeout (a check's timeoutMs) instead of the monitor's probe timeout; never longer than the interval. */
  readonly timeoutMs?: number;
  /** Its own no-flapping rule for its metrics instead of the monitor's failureThreshold. */
  readonly failureThreshold?: number;
  check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]>;
  /** Releases what the checker keeps between rounds (connections, caches). */
  close?(): void;
}
