import type { Delivery } from './delivery.js';
import type { EpisodeReport } from './failure-episode.js';
import type { HookEvent } from './hook-event.js';
import type { HookSpec } from './hook-spec.js';

/** What the dispatcher tells its reporter (the log and the metrics). */
export type HookReport =
  | { readonly kind: 'delivered' | 'failed'; readonly hook: HookSpec; readonly event: HookEvent; readonly delivery: Delivery }
  /** The queue was full: the oldest waiting event went. */
  | { readonly kind: 'dropped'; readonly hook: HookSpec; readonly event: HookEvent }
  | { readonly kind: 'episode'; readonly hook: HookSpec; readonly report: EpisodeReport }
  /** Events that were never delivered: the supervisor exited, or a reload removed the hook. */
  | { readonly kind: 'abandoned'; readonly hook: HookSpec; readonly count: number; readonly why: 'exit' | 'removed' };

export type HookReporter = (report: HookReport) => void;
