/** One report of an episode: the first occurrence at once, then what came during each window. */
export interface EpisodeReport {
  /** The occurrence that opened the episode (count 1), or a summary of a window. */
  readonly first: boolean;
  readonly count: number;
  /** Occurrences by tag, e.g. { evicted: 3, refused: 1 }. */
  readonly tags: Readonly<Record<string, number>>;
  /** Distinct samples (a Host, a peer), at most MAX_SAMPLES, in the order they came. */
  readonly samples: readonly string[];
}

export interface EpisodeTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: EpisodeTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const MAX_SAMPLES = 5;

type State = { readonly kind: 'quiet' } | { kind: 'open'; readonly timer: unknown; count: number; tags: Record<string, number>; samples: string[] };

/**
 * Reports a kind of trouble an attacker can repeat at will (refused requests, shed
 * connections) without flooding the log: the first occurrence at once, then at most one
 * summary per window while it goes on; a quiet window ends the episode.
 */
export class Episode {
  readonly #windowMs: number;
  readonly #report: (report: EpisodeReport) => void;
  readonly #timers: EpisodeTimers;
  #state: State = { kind: 'quiet' };

  constructor(windowMs: number, report: (report: EpisodeReport) => void, timers: EpisodeTimers = REAL_TIMERS) {
    this.#windowMs = windowMs;
    this.#report = report;
    this.#timers = timers;
  }

  record(sample: string, tag = 'all'): void {
    if (this.#state.kind === 'quiet') {
      this.#open();
      this.#report({ first: true, count: 1, tags: { [tag]: 1 }, samples: [sample] });
      return;
    }
    const state = this.#state;
    state.count += 1;
    state.tags[tag] = (state.tags[tag] ?? 0) + 1;
    if (state.samples.length < MAX_SAMPLES && !state.samples.includes(sample)) state.samples.push(sample);
  }

  /** Reports what is pending and stops; for the server's close(). */
  close(): void {
    if (this.#state.kind === 'open') {
      this.#timers.clearTimeout(this.#state.timer);
      this.#flush();
    }
    this.#state = { kind: 'quiet' };
  }

  #open(): void {
    const timer = this.#timers.setTimeout(() => this.#windowEnded(), this.#windowMs);
    this.#state = { kind: 'open', timer, count: 0, tags: {}, samples: [] };
  }

  #windowEnded(): void {
    if (this.#flush()) this.#open();
    else this.#state = { kind: 'quiet' };
  }

  /** Reports the window's occurrences; false when there were none. */
  #flush(): boolean {
    if (this.#state.kind !== 'open' || this.#state.count === 0) return false;
    const { count, tags, samples } = this.#state;
    this.#report({ first: false, count, tags, samples });
    return true;
  }
}
