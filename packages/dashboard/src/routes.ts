import { jsonReply, streamReply, type EventStream, type Handler } from '@mpm/http';
import type { DashboardSource } from './dashboard-source.js';
import { FEED_EVENTS } from './feed.js';
import { FeedCursor } from './feed-builder.js';
import { dashboardPageReply } from './page-reply.js';

export interface DashboardRoutesOptions {
  /** Changes within this long go out as one update: a round, its recovery and the restart it causes often come together. */
  readonly coalesceMs?: number;
}

const DEFAULT_COALESCE_MS = 50;

/** GET / (the page), GET /stream (its live feed, Server-Sent Events) and GET /history (the same snapshot as JSON). */
export function dashboardRoutes(source: DashboardSource, options: DashboardRoutesOptions = {}): Map<string, Handler> {
  const coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
  return new Map<string, Handler>([
    ['/', (request) => dashboardPageReply(request)],
    ['/history', () => jsonReply(200, new FeedCursor(source).snapshot())],
    ['/stream', () => streamReply((events) => feedStream(source, events, coalesceMs))],
  ]);
}

/** Sends the snapshot, then an update after each burst of changes; returns the cleanup. */
function feedStream(source: DashboardSource, events: EventStream, coalesceMs: number): () => void {
  const cursor = new FeedCursor(source);
  events.send(FEED_EVENTS.snapshot, cursor.snapshot());
  let pending: NodeJS.Timeout | undefined;
  const flush = (): void => {
    pending = undefined;
    events.send(FEED_EVENTS.update, cursor.update());
  };
  const stop = source.onChange(() => {
    pending ??= setTimeout(flush, coalesceMs);
  });
  return () => {
    stop();
    if (pending !== undefined) clearTimeout(pending);
  };
}
