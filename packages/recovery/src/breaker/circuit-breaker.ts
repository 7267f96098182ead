import { systemClock, type Clock, type TimerHandle } from '@mpm/health';
import { openTimeoutMs, type BreakerSettings, type BreakerState, type BreakerTransition, type Permit } from './breaker-state.js';

type Listener = (transition: BreakerTransition) => void;

/**
 * The circuit breaker of docs/design.md §4, one per supervisor. closed allows actions and counts
 * failed recoveries within failureWindowMs (a recovery that works does not wipe them, so
 * a child that flaps between brief health and failure still trips it); at
 * failureThreshold it opens and blocks every action for
 * timeoutMs (doubling per consecutive open, capped at 8×); then half_open allows one
 * action, and successThreshold healthy checks close it while one failure opens it again.
 * The open that makes maxOpenCycles in a row is marked `exhausted`: time to give up.
 *
 * Every change of state goes through #transition and is told to the listeners.
 */
export class CircuitBreaker {
  #settings: BreakerSettings;
  readonly #clock: Clock;
  readonly #listeners = new Set<Listener>();
  #state: BreakerState = { kind: 'closed', recentFailures: [] };
  #timer: TimerHandle | undefined;

  constructor(settings: BreakerSettings, clock: Clock = systemClock) {
    this.#settings = Object.freeze({ ...settings });
    this.#clock = clock;
  }

  get state(): BreakerState {
    this.#halfOpenIfDue();
    return this.#state;
  }

  get settings(): BreakerSettings {
    return this.#settings;
  }

  onTransition(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Asks to act now. In half_open the one trial is handed out here. */
  permit(): Permit {
    const state = this.state;
    switch (state.kind) {
      case 'closed':
        return { allowed: true, trial: false };
      case 'open':
        return { allowed: false, reason: `the circuit breaker is open (${this.#describeOpen(state)})`, until: state.until };
      case 'half_open':
        if (state.trial === 'taken') return { allowed: false, reason: 'the circuit breaker is half-open and its one trial is under way', until: null };
        this.#transition({ ...state, trial: 'taken' }, 'the trial action of half_open is under way');
        return { allowed: true, trial: true };
    }
  }

  /** A recovery did not bring the child back healthy. */
  recordFailure(why: string): void {
    const state = this.state;
    switch (state.kind) {
      case 'closed': {
        const now = this.#clock.now();
        const { failureThreshold, failureWindowMs } = this.#settings;
        const recentFailures = [...state.recentFailures.filter((at) => at > now - failureWindowMs), now];
        if (recentFailures.length >= failureThreshold) {
          this.#open(1, `${recentFailures.length} failures within ${seconds(failureWindowMs)} (failureThreshold ${failureThreshold}); the last: ${why}`);
        } else {
          this.#transition({ kind: 'closed', recentFailures }, why);
        }
        return;
      }
      case 'half_open':
        this.#open(state.opensInARow + 1, `the half-open trial failed: ${why}`);
        return;
      case 'open':
        // Nothing was allowed to run; a late verdict about an earlier action changes nothing.
        return;
    }
  }

  /** The trial was handed out but nothing could be done with it: the next action may have it. */
  returnTrial(): void {
    const state = this.state;
    if (state.kind === 'half_open' && state.trial === 'taken') this.#transition({ ...state, trial: 'available' }, 'the trial action could not run');
  }

  /** A healthy check; successThreshold of them in half_open close the breaker. */
  recordHealthyCheck(): void {
    const state = this.state;
    if (state.kind !== 'half_open') return;
    const healthyChecks = state.healthyChecks + 1;
    if (healthyChecks >= this.#settings.successThreshold) {
      this.#transition({ kind: 'closed', recentFailures: [] }, `${healthyChecks} healthy checks in half_open (successThreshold ${this.#settings.successThreshold})`);
    } else {
      this.#transition({ ...state, healthyChecks }, `healthy check ${healthyChecks} of ${this.#settings.successThreshold}`);
    }
  }

  /** New settings; the state (and an open's end) is kept. */
  update(settings: BreakerSettings): void {
    this.#settings = Object.freeze({ ...settings });
  }

  /** Stops the half-open timer; the breaker stays usable but moves only when asked. */
  dispose(): void {
    this.#cancelTimer();
  }

  #open(opensInARow: number, reason: string): void {
    const now = this.#clock.now();
    const until = now + openTimeoutMs(this.#settings, opensInARow);
    const exhausted = opensInARow >= this.#settings.maxOpenCycles;
    this.#transition({ kind: 'open', since: now, until, opensInARow, exhausted }, reason, exhausted);
    if (exhausted) return;
    this.#cancelTimer();
    const timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#halfOpenIfDue();
    }, until - now);
    timer.unref?.();
    this.#timer = timer;
  }

  /** open → half_open once its time is up; checked on every look, not only by the timer. */
  #halfOpenIfDue(): void {
    const state = this.#state;
    // Decided when it opened: a reload that changes maxOpenCycles must not strand an open breaker.
    if (state.kind !== 'open' || state.exhausted) return;
    const now = this.#clock.now();
    if (now < state.until) return;
    this.#cancelTimer();
    this.#transition({ kind: 'half_open', since: now, opensInARow: state.opensInARow, trial: 'available', healthyChecks: 0 }, `open for ${seconds(now - state.since)}: one recovery may try`);
  }

  #describeOpen(state: Extract<BreakerState, { kind: 'open' }>): string {
    const left = Math.max(0, state.until - this.#clock.now());
    return `open ${state.opensInARow} of ${this.#settings.maxOpenCycles} in a row, half-opens in ${seconds(left)}`;
  }

  #transition(to: BreakerState, reason: string, exhausted = false): void {
    const from = this.#state;
    this.#state = to;
    const transition: BreakerTransition = { from, to, at: this.#clock.now(), reason, exhausted };
    for (const listener of this.#listeners) listener(transition);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** 1500 → "1.5 s", 300000 → "300 s": one decimal at most, so the records agree with each other. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
