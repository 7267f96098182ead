import { describe, expect, it } from '@jest/globals';
import { Episode, type EpisodeReport, type EpisodeTimers } from '../src/episode.js';

/** Timers a test fires by hand. */
class ManualTimers implements EpisodeTimers {
  readonly pending = new Map<number, () => void>();
  #next = 0;

  setTimeout(callback: () => void): unknown {
    this.#next += 1;
    this.pending.set(this.#next, callback);
    return this.#next;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  fire(): void {
    const [handle, callback] = [...this.pending][0] ?? [];
    if (handle === undefined || callback === undefined) throw new Error('no timer is pending');
    this.pending.delete(handle);
    callback();
  }
}

function episode(): { reports: EpisodeReport[]; timers: ManualTimers; episode: Episode } {
  const reports: EpisodeReport[] = [];
  const timers = new ManualTimers();
  return { reports, timers, episode: new Episode(60_000, (report) => reports.push(report), timers) };
}

describe('Episode', () => {
  it('reports the first occurrence at once and the rest once per window, with counts by tag and a few distinct samples', () => {
    const { reports, timers, episode: trouble } = episode();
    trouble.record('a', 'evicted');
    expect(reports).toEqual([{ first: true, count: 1, tags: { evicted: 1 }, samples: ['a'] }]);
    for (const sample of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) trouble.record(sample, sample === 'g' ? 'refused' : 'evicted');
    expect(reports).toHaveLength(1);
    timers.fire();
    expect(reports[1]).toEqual({ first: false, count: 7, tags: { evicted: 6, refused: 1 }, samples: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('ends after a quiet window; the next occurrence opens a new episode', () => {
    const { reports, timers, episode: trouble } = episode();
    trouble.record('a');
    timers.fire(); // quiet
    expect(timers.pending.size).toBe(0);
    trouble.record('b');
    expect(reports.map((report) => [report.first, report.count, report.samples])).toEqual([
      [true, 1, ['a']],
      [true, 1, ['b']],
    ]);
  });

  it('reports what is pending on close and stops its timer', () => {
    const { reports, timers, episode: trouble } = episode();
    trouble.record('a');
    trouble.record('b');
    trouble.close();
    expect(reports.at(-1)).toEqual({ first: false, count: 1, tags: { all: 1 }, samples: ['b'] });
    expect(timers.pending.size).toBe(0);
  });
});
