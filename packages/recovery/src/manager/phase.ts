import type { TimerHandle } from '@mpm/health';
import type { RecoveryAction } from '../actions.js';
import type { BreakerStateKind } from '../breaker/breaker-state.js';
import type { Diagnosis } from '../failure-class.js';
import type { HangReport } from '../hang-report.js';

/**
 * A decision that touches the child, fixed when it is taken. Its identity is what a late
 * answer is checked against: an answer for a decision that is no longer the phase's is stale.
 */
export interface Decision {
  readonly id: number;
  readonly decidedAt: number;
  readonly diagnosis: Diagnosis;
  readonly action: RecoveryAction;
  readonly breaker: BreakerStateKind;
  /** The child acted on: its (or a later child's) unexpected exit ends the decision. */
  readonly actedOn: number;
  /** With recovery disabled a crash is still respawned, but that is no recovery to count. */
  readonly countsForBreaker: boolean;
}

/** A resource action's metrics as the rounds since the decision read them (leaks/course.ts). */
export type Course = Readonly<Record<string, readonly number[]>>;

/**
 * Where RecoveryManager is in its lifecycle, each phase with the data that only makes
 * sense in it. One decision touches the child at a time: it is `acting` while the host
 * does it, then `verifying` until the child is healthy again or the deadline passes.
 */
export type ManagerPhase =
  /** Nothing under way: every result and exit may lead to a decision. */
  | { readonly kind: 'watching' }
  | {
      readonly kind: 'acting';
      readonly decision: Decision;
      /** What the record will say was done, so far. */
      readonly detail: string;
    }
  | {
      readonly kind: 'verifying';
      readonly decision: Decision;
      readonly detail: string;
      /** Results from this generation on show whether it worked. */
      readonly fromGeneration: number;
      /** Kept beside the timer: a result past it fails the decision even if the timer is late. */
      readonly deadline: number;
      readonly timer: TimerHandle;
      readonly course: Course;
      /** What the host saw of a hung child before it killed it; kept for the record. */
      readonly hangReport?: HangReport;
    }
  | {
      /** A crashed child waiting for the breaker to let it be respawned. */
      readonly kind: 'down';
      readonly diagnosis: Diagnosis;
      readonly uptimeMs: number;
      /** The wait has its blocked record: one per wait. */
      readonly blockedRecorded: boolean;
    }
  /** maxOpenCycles opens in a row: the host was told to stop; nothing more is decided. */
  | { readonly kind: 'gaveUp' }
  /** close() was called: nothing more is decided. */
  | { readonly kind: 'closed' };

/** The decision a phase holds, if it holds one. */
export function decisionOf(phase: ManagerPhase): Decision | undefined {
  return phase.kind === 'acting' || phase.kind === 'verifying' ? phase.decision : undefined;
}
