/**
 * Promises that resolve once a state machine reaches a state that a predicate accepts:
 * the controller's stop() and restart() wait for "the stop is over" this way.
 */
export class StateWaiters<S> {
  #waiting: Array<{ readonly done: (state: S) => boolean; readonly resolve: () => void }> = [];

  /** Resolves at once when `current` is accepted, else at the first accepted state passed to reached(). */
  until(current: S, done: (state: S) => boolean): Promise<void> {
    if (done(current)) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ done, resolve }));
  }

  /** The machine is in `state` now: resolves every waiter that accepts it. */
  reached(state: S): void {
    const pending = this.#waiting;
    this.#waiting = [];
    for (const waiter of pending) {
      if (waiter.done(state)) waiter.resolve();
      else this.#waiting.push(waiter);
    }
  }
}
