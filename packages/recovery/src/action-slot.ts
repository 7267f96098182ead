import type { Clock, TimerHandle } from '@mpm/health';
import type { RecoveryAction } from './actions.js';
import type { BreakerStateKind } from './breaker/breaker-state.js';
import type { Diagnosis } from './failure-class.js';
import type { HangReport } from './hang-report.js';

/** An action under way, then waiting to be seen working. */
export interface PendingAction {
  readonly id: number;
  readonly decidedAt: number;
  readonly diagnosis: Diagnosis;
  readonly action: RecoveryAction;
  readonly breaker: BreakerStateKind;
  /** The child acted on: its (or a later child's) unexpected exit ends the wait. */
  readonly actedOn: number;
  /** Results from this generation on show whether it worked. */
  fromGeneration: number;
  /** Set once the action is done; until then it is still acting. */
  deadline: number | undefined;
  timer: TimerHandle | undefined;
  detail: string;
  /** A resource action's metrics as the rounds since the decision read them (leaks/course.ts). */
  readonly course: Record<string, number[]>;
  /** With recovery disabled a crash is still respawned, but that is no recovery to count. */
  readonly countsForBreaker: boolean;
  /** What the host saw of a hung child before it killed it; kept for the record. */
  hangReport?: HangReport;
}

/**
 * The one action recovery has under way at a time, and the deadline by which it must be
 * seen working. Whoever ends the action releases it here, so that its timer never
 * outlives it and a late answer for an action already ended is recognised as such.
 */
export class ActionSlot {
  readonly #clock: Clock;
  #held: PendingAction | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get held(): PendingAction | undefined {
    return this.#held;
  }

  hold(action: PendingAction): void {
    this.#held = action;
  }

  /** Ends `action` if it is still the one held; false when something else ended it first. */
  release(action: PendingAction): boolean {
    if (this.#held !== action) return false;
    this.releaseAny();
    return true;
  }

  /** Ends whatever is held (recovery closes or gives up). */
  releaseAny(): void {
    if (this.#held?.timer !== undefined) this.#clock.clearTimeout(this.#held.timer);
    this.#held = undefined;
  }

  /**
   * The action is done: results from `fromGeneration` on judge it, until `deadline`. The
   * deadline is kept beside the timer, so that a result past it fails the action even if
   * the timer is late; `onLate` runs when the timer fires with the action still held.
   */
  verify(action: PendingAction, fromGeneration: number, deadline: number, onLate: () => void): void {
    action.fromGeneration = fromGeneration;
    action.deadline = deadline;
    const timer = this.#clock.setTimeout(() => {
      if (this.#held === action) onLate();
    }, deadline - this.#clock.now());
    timer.unref?.();
    action.timer = timer;
  }
}
