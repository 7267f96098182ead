import type { RecoveryAction } from './actions.js';
import type { PastDecision, RecoveryEvent } from './event.js';
import type { Diagnosis } from './failure-class.js';

/** Decisions kept for the strategy; far more than any failure window holds at one per interval. */
const KEEP_HISTORY = 1000;

/**
 * The decisions made so far, kept twice over and bounded: the last RecoveryEvents whole
 * (for /events), and a longer, lean history for the strategy to climb the ladder by.
 */
export class DecisionLog {
  readonly #keepEvents: number;
  readonly #events: RecoveryEvent[] = [];
  readonly #history: PastDecision[] = [];

  constructor(keepEvents: number) {
    this.#keepEvents = keepEvents;
  }

  /** Oldest first. */
  get events(): readonly RecoveryEvent[] {
    return this.#events;
  }

  /** Oldest first. */
  get history(): readonly PastDecision[] {
    return this.#history;
  }

  /** When a rung that acts was last taken on a critical failure of `metric`, after `since`. */
  lastRungFor(metric: string, since: number): number | undefined {
    return this.#history.findLast((past) => past.at > since && past.severity === 'critical' && past.action !== 'log_warning' && past.thresholds.includes(metric))?.at;
  }

  /** A decision with its verdict; `at` is when it was decided. */
  add(event: RecoveryEvent, at: number): void {
    keepLast(this.#events, event, this.#keepEvents);
    const { action, failureClass, thresholds, severity, result, skip } = event;
    keepLast(this.#history, { at, action, failureClass, thresholds, severity, result, skip }, KEEP_HISTORY);
  }
}

/** The fields a decision's record takes from its diagnosis. */
export function decisionFields(id: number, diagnosis: Diagnosis, action: RecoveryAction, at: number): Omit<RecoveryEvent, 'breaker' | 'detail' | 'result' | 'skip' | 'durationMs'> {
  return {
    id,
    time: new Date(at).toISOString(),
    action,
    failureClass: diagnosis.failureClass,
    severity: diagnosis.severity,
    reason: diagnosis.reason,
    metrics: diagnosis.metrics,
    thresholds: diagnosis.thresholds,
    generation: diagnosis.generation,
    pid: diagnosis.pid,
  };
}

function keepLast<T>(list: T[], item: T, keep: number): void {
  list.push(item);
  if (list.length > keep) list.splice(0, list.length - keep);
}
