/**
 * The connection to `GET /stream` (Server-Sent Events, same origin, so the browser sends the
 * Basic credentials it already holds). The browser reconnects by itself after a network
 * error; after an HTTP error (401, 503, a proxy's 502) EventSource gives up for good, so we
 * open a new one with a growing delay. Each (re)connection starts with a `snapshot`.
 */
import { FEED_EVENTS, type FeedSnapshot, type FeedUpdate } from '../feed.js';

export type ConnectionState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live' }
  /** Lost at `since` (local epoch ms); the browser or we are trying again. */
  | { readonly kind: 'reconnecting'; readonly since: number }
  /** Lost at `since` for longer than RECONNECTING_GRACE_MS: what is on screen is old. */
  | { readonly kind: 'disconnected'; readonly since: number };

export interface FeedHandlers {
  snapshot(snapshot: FeedSnapshot): void;
  update(update: FeedUpdate): void;
  connection(state: ConnectionState): void;
}

/** How long a lost stream reads "reconnecting…" before it reads "disconnected since". */
const RECONNECTING_GRACE_MS = 10_000;
/** Delays before reopening a stream the browser gave up on. */
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 15_000] as const;

export interface FeedConnection {
  close(): void;
}

export function connectFeed(url: string, handlers: FeedHandlers): FeedConnection {
  let source: EventSource | null = null;
  let lostAt: number | null = null;
  let attempt = 0;
  let retryTimer: number | undefined;
  let graceTimer: number | undefined;
  let closed = false;

  const report = (state: ConnectionState): void => handlers.connection(state);

  const markLost = (): void => {
    if (lostAt !== null) return;
    lostAt = Date.now();
    const since = lostAt;
    report({ kind: 'reconnecting', since });
    graceTimer = window.setTimeout(() => report({ kind: 'disconnected', since }), RECONNECTING_GRACE_MS);
  };

  const markLive = (): void => {
    window.clearTimeout(graceTimer);
    lostAt = null;
    attempt = 0;
    report({ kind: 'live' });
  };

  /** A malformed document is the server's bug; skipping it keeps the page on the last good one. */
  const parse = <T>(event: Event): T | null => {
    if (!(event instanceof MessageEvent) || typeof event.data !== 'string') return null;
    try {
      return JSON.parse(event.data) as T;
    } catch {
      return null;
    }
  };

  const open = (): void => {
    source = new EventSource(url);
    source.addEventListener(FEED_EVENTS.snapshot, (event) => {
      const snapshot = parse<FeedSnapshot>(event);
      if (snapshot === null) return;
      markLive();
      handlers.snapshot(snapshot);
    });
    source.addEventListener(FEED_EVENTS.update, (event) => {
      const update = parse<FeedUpdate>(event);
      if (update !== null) handlers.update(update);
    });
    source.addEventListener('error', () => {
      markLost();
      if (source === null || source.readyState !== EventSource.CLOSED || closed) return;
      source = null;
      const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] ?? 15_000;
      attempt += 1;
      retryTimer = window.setTimeout(open, delay);
    });
  };

  report({ kind: 'connecting' });
  open();
  return {
    close(): void {
      closed = true;
      window.clearTimeout(retryTimer);
      window.clearTimeout(graceTimer);
      source?.close();
    },
  };
}
