/**
 * What the page knows: the latest state, the kept samples (at most historySize, oldest
 * first) and the recent timeline (at most TIMELINE_LIMIT, oldest first). A snapshot
 * replaces everything (it comes again after each reconnect); an update appends.
 */
import type { FeedSample, FeedSnapshot, FeedState, FeedUpdate, TimelineEntry } from '../feed.js';

/** Timeline entries kept (and so shown): enough for a bad night, small for the DOM. */
export const TIMELINE_LIMIT = 200;

export class FeedStore {
  state: FeedState | null = null;
  samples: FeedSample[] = [];
  timeline: TimelineEntry[] = [];
  #historySize = 0;

  applySnapshot(snapshot: FeedSnapshot): void {
    this.state = snapshot.state;
    this.#historySize = snapshot.historySize;
    this.samples = snapshot.samples.slice(-Math.max(1, snapshot.historySize));
    this.timeline = snapshot.timeline.slice(-TIMELINE_LIMIT);
  }

  /** Appends what is new and answers the timeline entries added, oldest first. */
  applyUpdate(update: FeedUpdate): readonly TimelineEntry[] {
    this.state = update.state;
    // Guards against a sample or entry sent twice (e.g. across a reconnect): x must grow.
    const lastAt = this.samples.at(-1)?.at ?? -Infinity;
    const fresh = update.samples.filter((sample) => sample.at > lastAt);
    if (fresh.length > 0) {
      this.samples.push(...fresh);
      const limit = Math.max(1, this.#historySize);
      if (this.samples.length > limit) this.samples.splice(0, this.samples.length - limit);
    }
    const lastId = this.timeline.at(-1)?.id ?? 0;
    const added = update.timeline.filter((entry) => entry.id > lastId);
    if (added.length > 0) {
      this.timeline.push(...added);
      if (this.timeline.length > TIMELINE_LIMIT) this.timeline.splice(0, this.timeline.length - TIMELINE_LIMIT);
    }
    return added;
  }
}
