import type { Clock, TimerHandle } from '@mpm/system';

/**
 * The controller's one pending timer: a respawn's backoff or a stop's SIGKILL deadline,
 * never both. Setting a new one cancels the old; a timer that fires checks it is still
 * the one held, so that one cancelled meanwhile does nothing.
 */
export class TimerSlot {
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `callback` after `ms`, in place of whatever the slot held; returns the handle. */
  set(callback: () => void, ms: number): TimerHandle {
    this.cancel();
    const timer = this.#clock.setTimeout(callback, ms);
    this.#timer = timer;
    return timer;
  }

  holds(timer: TimerHandle): boolean {
    return this.#timer === timer;
  }

  cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
