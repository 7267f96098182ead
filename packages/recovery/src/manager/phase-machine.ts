import type { Clock } from '@mpm/health';
import type { Diagnosis } from '../failure-class.js';
import type { HangReport } from '../hang-report.js';
import { decisionOf, type Course, type Decision, type ManagerPhase } from './phase.js';

/** The phases that hold a decision. */
export type Holding = Extract<ManagerPhase, { kind: 'acting' | 'verifying' }>;

/** How a done action is verified: from which child on, until when, and what the record says so far. */
export interface Verification {
  readonly fromGeneration: number;
  readonly deadline: number;
  readonly detail: string;
  readonly hangReport?: HangReport;
}

/**
 * RecoveryManager's phase, changed only by the named transitions below, each of which
 * replaces it whole. A verification's timer lives and dies with its phase, so that it
 * never outlives the decision, and a late answer for a decision already ended is known
 * by the decision's identity.
 */
export class PhaseMachine {
  readonly #clock: Clock;
  #phase: ManagerPhase = { kind: 'watching' };

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get phase(): ManagerPhase {
    return this.#phase;
  }

  /** The decision under way (acting on it or verifying it), if any. */
  get decision(): Decision | undefined {
    return decisionOf(this.#phase);
  }

  /** Gave up or closed: nothing more is decided. */
  get over(): boolean {
    return this.#phase.kind === 'gaveUp' || this.#phase.kind === 'closed';
  }

  /** watching (or down) → acting: the host is doing `decision`. */
  act(decision: Decision, detail: string): void {
    this.#enter({ kind: 'acting', decision, detail });
  }

  /**
   * acting → verifying: the action is done; results from `fromGeneration` on judge it,
   * until `deadline`. `onLate` runs when the deadline's timer fires with the decision still
   * verified. False when the decision was ended meanwhile (nothing to verify).
   */
  verify(decision: Decision, verification: Verification, onLate: () => void): boolean {
    if (this.decision !== decision) return false;
    const { fromGeneration, deadline, detail, hangReport } = verification;
    const timer = this.#clock.setTimeout(() => {
      if (this.decision === decision) onLate();
    }, deadline - this.#clock.now());
    timer.unref?.();
    this.#enter({ kind: 'verifying', decision, detail, fromGeneration, deadline, timer, course: {}, ...(hangReport === undefined ? {} : { hangReport }) });
    return true;
  }

  /** verifying → verifying: the readings of a resource action's metrics so far. */
  follow(decision: Decision, course: Course): void {
    const phase = this.#phase;
    if (phase.kind === 'verifying' && phase.decision === decision && phase.course !== course) this.#enter({ ...phase, course });
  }

  /** acting or verifying → watching, if `decision` is still the one under way: the phase it ended, else undefined. */
  release(decision: Decision): Holding | undefined {
    const phase = this.#phase;
    if ((phase.kind !== 'acting' && phase.kind !== 'verifying') || phase.decision !== decision) return undefined;
    this.#enter({ kind: 'watching' });
    return phase;
  }

  /** → down: a crashed child waits for the breaker to let it be respawned. */
  down(diagnosis: Diagnosis, uptimeMs: number): void {
    this.#enter({ kind: 'down', diagnosis, uptimeMs, blockedRecorded: false });
  }

  /** down → down: the wait has its one blocked record. False when it had one already (or is not down). */
  blockedWhileDown(): boolean {
    const phase = this.#phase;
    if (phase.kind !== 'down' || phase.blockedRecorded) return false;
    this.#enter({ ...phase, blockedRecorded: true });
    return true;
  }

  /** → gaveUp, once; false when already over. */
  giveUp(): boolean {
    if (this.over) return false;
    this.#enter({ kind: 'gaveUp' });
    return true;
  }

  /** → closed; having given up, it stays so (the supervisor still reports it). */
  close(): void {
    if (this.#phase.kind !== 'gaveUp') this.#enter({ kind: 'closed' });
  }

  #enter(next: ManagerPhase): void {
    const from = this.#phase;
    if (from.kind === 'verifying' && (next.kind !== 'verifying' || next.timer !== from.timer)) this.#clock.clearTimeout(from.timer);
    this.#phase = next;
  }
}
