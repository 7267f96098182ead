export interface BackoffSettings {
  /** Delay before the second restart in a row of quick crashes (child.restartDelayMs). */
  readonly initialDelayMs: number;
  /** The delay doubles per quick crash up to this ceiling (child.maxRestartDelayMs). */
  readonly maxDelayMs: number;
  /** A child that stayed up this long has earned a fresh start (child.minUptimeMs). */
  readonly minUptimeMs: number;
}

export interface RespawnPlan {
  readonly delayMs: number;
  /** 1 for the first restart after a good run (no delay), 2 for the next quick crash, … */
  readonly attempt: number;
}

/**
 * Restart delays for a crash loop: pure, so the schedule is a function of the uptimes
 * it is shown. It decides how long to wait; the child controller does the waiting.
 */
export class CrashBackoff {
  #settings: BackoffSettings;
  #quickCrashes = 0;

  constructor(settings: BackoffSettings) {
    this.#settings = settings;
  }

  /**
   * The plan for restarting a child that exited after `uptimeMs` up. The first restart
   * after a good run is immediate, as Kubernetes does: every millisecond of it is
   * downtime, and one crash is not yet a loop. Each further quick crash waits
   * initialDelayMs, doubling.
   */
  next(uptimeMs: number): RespawnPlan {
    const { initialDelayMs, maxDelayMs, minUptimeMs } = this.#settings;
    if (uptimeMs >= minUptimeMs) this.#quickCrashes = 0;
    const exponent = Math.min(this.#quickCrashes - 1, 30);
    const delayMs = this.#quickCrashes === 0 ? 0 : Math.min(initialDelayMs * 2 ** exponent, maxDelayMs);
    this.#quickCrashes += 1;
    return { delayMs, attempt: this.#quickCrashes };
  }

  /** Forget the crash history, e.g. after an operator's restart. */
  reset(): void {
    this.#quickCrashes = 0;
  }

  update(settings: BackoffSettings): void {
    this.#settings = settings;
  }
}
