import { climb, higher, rankOf, type RecoveryAction } from '../actions.js';
import type { PastDecision } from '../event.js';
import type { Diagnosis } from '../failure-class.js';

export interface StrategySettings {
  /** Earlier decisions this recent count towards climbing the ladder. */
  readonly failureWindowMs: number;
  /** Least time between two decisions. */
  readonly minActionIntervalMs: number;
}

export interface StrategyInput {
  readonly diagnosis: Diagnosis;
  /** Earlier decisions, oldest first. */
  readonly history: readonly PastDecision[];
  readonly now: number;
  /** An action taken earlier is still waiting to be seen working (or not). */
  readonly verifying: boolean;
}

export type StrategyDecision =
  | {
      readonly kind: 'act';
      readonly action: RecoveryAction;
      /** Earlier attempts at this failure inside the window: how far up it climbed. */
      readonly attempts: number;
      /** Set when the ladder would go higher but the failure's ceiling stops it. */
      readonly atCeiling: boolean;
    }
  | { readonly kind: 'hold'; readonly why: string };

/** Actions that may be repeated at the ceiling: they replace the process, which is what helps. */
const REPEATABLE_AT_CEILING: ReadonlySet<RecoveryAction> = new Set(['restart_service', 'emergency_stop']);

/**
 * Picks the action for a failure (docs/design.md §4), purely from the diagnosis, the earlier
 * decisions and the time:
 * - a crash is respawned at once (its backoff is the spacing);
 * - while an action is being verified, or within minActionIntervalMs of the last
 *   decision on a critical failure, nothing new is decided (a warning, which only
 *   logs, does not hold back what follows it: a hang seen first as high CPU must not
 *   wait minActionIntervalMs for its kill);
 * - a warning logs, once per class and set of thresholds inside failureWindowMs;
 * - a critical failure starts at the first rung that can help its class; each next
 *   decision goes one rung above the highest tried for that class inside
 *   failureWindowMs, never past its ceiling. At the ceiling a restart is repeated (it is what helps a leak or a
 *   hang); a milder ceiling (CPU, clients) only logs, once per window, so a busy
 *   server is never cleared over and over.
 */
export class GradedRecoveryStrategy {
  #settings: StrategySettings;

  constructor(settings: StrategySettings) {
    this.#settings = Object.freeze({ ...settings });
  }

  update(settings: StrategySettings): void {
    this.#settings = Object.freeze({ ...settings });
  }

  decide(input: StrategyInput): StrategyDecision {
    const { diagnosis, history, now, verifying } = input;
    if (diagnosis.failureClass === 'crashed') return { kind: 'act', action: 'restart_service', attempts: 0, atCeiling: false };
    if (verifying) return { kind: 'hold', why: 'an earlier action is being verified' };
    const last = [...history].reverse().find(startsSpacing);
    const wait = last === undefined ? 0 : last.at + this.#settings.minActionIntervalMs - now;
    if (wait > 0) return { kind: 'hold', why: `minActionIntervalMs: ${wait} ms until the next action may be decided` };
    if (diagnosis.severity === 'warning') {
      // One line per episode: the health log already shows every change of status.
      const logged = history.some((past) => past.at > now - this.#settings.failureWindowMs && past.severity === 'warning' && sameFailure(past, diagnosis));
      return logged ? { kind: 'hold', why: 'this warning was already logged inside failureWindowMs' } : { kind: 'act', action: 'log_warning', attempts: 0, atCeiling: false };
    }

    const since = now - this.#settings.failureWindowMs;
    const recent = history.filter((past) => past.at > since && past.failureClass === diagnosis.failureClass && countsAsAttempt(past));
    const attempts = recent.length;
    // One rung above the highest tried inside the window: a rung is left behind only
    // when its try ages out, so a ceiling reached once is not tried again within the window.
    const highest = recent.map((past) => past.action).reduce<RecoveryAction | undefined>((top, action) => (top === undefined ? action : higher(top, action)), undefined);
    const wanted = highest === undefined ? diagnosis.floor : higher(diagnosis.floor, climb(highest, 1) ?? 'emergency_stop');
    const pastTop = highest !== undefined && climb(highest, 1) === undefined;
    if (!pastTop && rankOf(wanted) <= rankOf(diagnosis.ceiling)) return { kind: 'act', action: wanted, attempts, atCeiling: false };
    const ceiling = diagnosis.ceiling;
    if (REPEATABLE_AT_CEILING.has(ceiling)) return { kind: 'act', action: ceiling, attempts, atCeiling: true };
    // Held at a mild ceiling: say so once per window, not at every interval.
    const latest = [...history].reverse().find((past) => past.severity === 'critical' && sameFailure(past, diagnosis));
    if (latest?.action === 'log_warning' && latest.at > since) return { kind: 'hold', why: `at its ceiling (${ceiling}) and already logged inside failureWindowMs` };
    return { kind: 'act', action: 'log_warning', attempts, atCeiling: true };
  }
}

/** What a log_warning decision says it did, and why it went no further. */
export function logOnlyDetail(diagnosis: Diagnosis, atCeiling: boolean): string {
  const what = diagnosis.thresholds.join(', ') || diagnosis.failureClass;
  if (atCeiling) return `${diagnosis.ceiling} is as far as ${what} may escalate, and it was tried (or could not run) inside failureWindowMs: logging only`;
  if (diagnosis.severity === 'warning') return 'logged; a warning is not acted on';
  // A check whose maxAction is log_warning (a dependency): nothing done to the child can mend it.
  if (diagnosis.ceiling === 'log_warning') return `logged; log_warning is as far as ${what} may escalate, so nothing is done to the child`;
  return 'logged; if it persists the next decision climbs a rung';
}

/** The same class, and for resources the same thresholds. */
function sameFailure(past: PastDecision, diagnosis: Diagnosis): boolean {
  return past.failureClass === diagnosis.failureClass && past.thresholds.join() === diagnosis.thresholds.join();
}

/** An earlier try at a critical failure: it ran, or it could not and the ladder climbed past it. */
function countsAsAttempt(past: PastDecision): boolean {
  if (past.severity !== 'critical') return false;
  if (past.result === 'succeeded' || past.result === 'failed') return true;
  return past.result === 'skipped' && past.skip === 'unavailable';
}

/**
 * Every decision on a critical failure spaces the next one, except a skip that climbs
 * straight on. A warning touched nothing, so there is nothing to give time to work.
 */
function startsSpacing(past: PastDecision): boolean {
  if (past.severity === 'warning') return false;
  return !(past.result === 'skipped' && past.skip === 'unavailable');
}
