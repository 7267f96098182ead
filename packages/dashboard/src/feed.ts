/**
 * What the dashboard page receives from `GET /stream` (Server-Sent Events) and `GET /history`.
 * This file is shared by the server (which builds the documents) and the page (which draws
 * them), so it imports nothing: the page is type-checked against the DOM, not Node.
 *
 * The stream sends one `snapshot` when it opens (and again after every reconnect), then an
 * `update` whenever something changed: a check round, a child spawn or exit, a recovery
 * decision, a breaker move. Updates carry the whole current state and only the samples and
 * timeline entries the page has not had yet.
 */

export type FeedHealthStatus = 'unknown' | 'healthy' | 'starting' | 'warning' | 'critical';

/** `/health`'s verdict: pass and warn answer 200, fail 503. */
export type FeedVerdict = 'pass' | 'warn' | 'fail';

export interface FeedThresholdPair {
  readonly warning: number;
  readonly critical: number;
}

/** One metric of the latest check round. */
export interface FeedCheck {
  /** e.g. `cpuPercent`, `tcpLatencyMs`, `processState`. */
  readonly name: string;
  readonly value: number | string | null;
  /** e.g. `percent`, `MiB`, `ms`, `count`. */
  readonly unit: string;
  readonly status: FeedHealthStatus;
  readonly thresholds: FeedThresholdPair | null;
  /** One line for an operator, e.g. `cpuPercent 97 % ≥ critical 95 %`. */
  readonly message: string;
}

export interface FeedChild {
  /** idle, starting, running, stopping, exited, backoff, stopped, failed. */
  readonly state: string;
  readonly pid: number | null;
  readonly generation: number;
  /** Epoch ms the current child was spawned; null while none runs. */
  readonly startedAt: number | null;
  readonly restarts: number;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly at: number; readonly uptimeMs: number } | null;
  /** Epoch ms of a respawn waiting out its delay. */
  readonly respawnAt: number | null;
}

export interface FeedBreaker {
  readonly state: 'closed' | 'open' | 'half_open';
  readonly since: number | null;
  /** Epoch ms an open breaker half-opens. */
  readonly until: number | null;
  readonly reason: string | null;
  readonly recentFailures: number;
  readonly failureThreshold: number;
  readonly opensInARow: number;
  readonly exhausted: boolean;
}

/** Everything but the history: small, and sent whole in every update. */
export interface FeedState {
  readonly name: string;
  readonly version: string;
  /** Epoch ms the document was made; the page corrects its clock by it. */
  readonly now: number;
  readonly supervisor: { readonly pid: number; readonly startedAt: number; readonly stopping: boolean };
  /** The same verdict and one-line reason as `GET /health`. */
  readonly overall: { readonly status: FeedVerdict; readonly output: string | null };
  /** The monitor's status of the current child. */
  readonly health: FeedHealthStatus;
  readonly child: FeedChild;
  /** The latest round's metrics for the current child; empty before its first round. */
  readonly checks: readonly FeedCheck[];
  readonly breaker: FeedBreaker;
  readonly recovery: { readonly enabled: boolean; readonly gaveUp: boolean };
  /** health.checkIntervalMs, for the page to know how old "latest" may be. */
  readonly checkIntervalMs: number;
  /**
   * health.thresholds in effect, by name: cpuPercent, memoryMb, openFds, threads, clients,
   * errorsPerMinute, eventLoopLagMs, probeLatencyMs (for the tcp, socket.io and ipc latencies).
   */
  readonly thresholds: Readonly<Record<string, FeedThresholdPair>>;
  /** child.maxMemoryMb: the hard limit, null when unset. */
  readonly memoryLimitMb: number | null;
}

/** One kept check round, numeric metrics only (null: not measured in that round). */
export interface FeedSample {
  /** Epoch ms the round started. */
  readonly at: number;
  readonly generation: number;
  readonly status: FeedHealthStatus;
  readonly values: Readonly<Record<string, number | null>>;
}

export type TimelineKind = 'spawned' | 'exited' | 'restart_scheduled' | 'recovery_started' | 'recovery' | 'hang_report' | 'breaker' | 'gave_up';

export type TimelineLevel = 'info' | 'warning' | 'error';

/** One thing that happened to the child or the recovery, for the timeline. */
export interface TimelineEntry {
  /** Grows by one per entry from 1; the stream sends only entries above the last it sent. */
  readonly id: number;
  /** Epoch ms. */
  readonly at: number;
  readonly kind: TimelineKind;
  readonly level: TimelineLevel;
  /** One line, e.g. `child 4242 killed by SIGKILL after 12.3 s`. */
  readonly title: string;
  /** More, e.g. the recovery's reason; null when the title says it all. */
  readonly detail: string | null;
}

/** The `snapshot` event and the body of `GET /history`. */
export interface FeedSnapshot {
  readonly state: FeedState;
  /** Oldest first; at most historySize. */
  readonly samples: readonly FeedSample[];
  readonly historySize: number;
  /** Oldest first. */
  readonly timeline: readonly TimelineEntry[];
}

/** The `update` event. */
export interface FeedUpdate {
  readonly state: FeedState;
  /** New since the last event on this stream, oldest first. */
  readonly samples: readonly FeedSample[];
  readonly timeline: readonly TimelineEntry[];
}

/** Event names on the stream. */
export const FEED_EVENTS = { snapshot: 'snapshot', update: 'update' } as const;
