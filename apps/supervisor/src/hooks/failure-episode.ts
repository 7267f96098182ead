/** What a hook's episode reports: its first trouble at once, and how many were lost when it ends. */
export type EpisodeReport = { readonly kind: 'failed'; readonly why: string } | { readonly kind: 'recovered'; readonly failed: number; readonly dropped: number; readonly sinceMs: number };

type State = { readonly kind: 'ok' } | { readonly kind: 'failing'; readonly since: number; failed: number; dropped: number };

/**
 * Failures are logged once per episode (issue 21): the first failed or dropped event of a
 * hook is reported, later ones are counted silently until a delivery succeeds again, which
 * is reported once with the counts. A dead receiver costs one line, not one per event.
 */
export class FailureEpisode {
  readonly #report: (report: EpisodeReport) => void;
  readonly #now: () => number;
  #state: State = { kind: 'ok' };

  constructor(report: (report: EpisodeReport) => void, now: () => number = Date.now) {
    this.#report = report;
    this.#now = now;
  }

  get failing(): boolean {
    return this.#state.kind === 'failing';
  }

  failed(why: string): void {
    this.#trouble(why, 'failed');
  }

  dropped(why: string): void {
    this.#trouble(why, 'dropped');
  }

  delivered(): void {
    const state = this.#state;
    if (state.kind === 'ok') return;
    this.#state = { kind: 'ok' };
    this.#report({ kind: 'recovered', failed: state.failed, dropped: state.dropped, sinceMs: Math.max(0, this.#now() - state.since) });
  }

  #trouble(why: string, what: 'failed' | 'dropped'): void {
    const state = this.#state;
    if (state.kind === 'failing') {
      state[what] += 1;
      return;
    }
    this.#state = { kind: 'failing', since: this.#now(), failed: what === 'failed' ? 1 : 0, dropped: what === 'dropped' ? 1 : 0 };
    this.#report({ kind: 'failed', why });
  }
}
