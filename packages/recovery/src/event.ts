import type { RecoveryAction } from './actions.js';
import type { BreakerStateKind } from './breaker/breaker-state.js';
import type { FailureClass, MetricSummary, Severity } from './failure-class.js';
import type { HangReport } from './hang-report.js';

/**
 * How a decision ended: the action worked (the child was seen healthy within
 * verifyTimeoutMs; log_warning always does) or did not, the breaker blocked it, or it
 * was not done (`skip` says why).
 */
export type RecoveryResult = 'succeeded' | 'failed' | 'blocked' | 'skipped';

/**
 * Why a decision was skipped. `unavailable`: the action had no way to reach the child
 * (clear_connections without IPC or a signal), so the ladder climbs at once;
 * `disabled`: recovery.enabled is false; `stale`: the child it was for is gone (or the
 * supervisor is stopping).
 */
export type SkipReason = 'unavailable' | 'disabled' | 'stale';

/** One decision and its outcome (docs/design.md §4), as logged and served at /events. */
export interface RecoveryEvent {
  /** 1, 2, … per supervisor run. */
  readonly id: number;
  /** When it was decided, ISO 8601. */
  readonly time: string;
  readonly action: RecoveryAction;
  readonly failureClass: FailureClass;
  readonly severity: Severity;
  /** The metrics that triggered it, in one line. */
  readonly reason: string;
  readonly metrics: readonly MetricSummary[];
  /** For `resource`: which thresholds. */
  readonly thresholds: readonly string[];
  /** The breaker's state when it was decided. */
  readonly breaker: BreakerStateKind;
  readonly result: RecoveryResult;
  readonly skip?: SkipReason;
  /** What was done, or why not, and how it ended. */
  readonly detail: string;
  /** From the decision to the verdict. */
  readonly durationMs: number;
  readonly generation: number;
  readonly pid: number | null;
  /** For an emergency_stop of a `hung` child: what it was doing when it was killed. */
  readonly hangReport?: HangReport;
}

/** What the strategy needs to know of an earlier decision. */
export type PastDecision = Pick<RecoveryEvent, 'action' | 'failureClass' | 'thresholds' | 'severity' | 'result' | 'skip'> & {
  /** Epoch ms of the decision. */
  readonly at: number;
};
