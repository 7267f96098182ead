import type { HealthCheckResult, HealthStatus } from '@mpm/health';
import type { BreakerStateKind, RecoveryEvent } from '@mpm/recovery';

/** How the child's last run ended. */
export interface ExitView {
  readonly code: number | null;
  readonly signal: string | null;
  /** Epoch ms. */
  readonly at: number;
  readonly uptimeMs: number;
}

/** The child's lifecycle as the status server shows it. */
export interface ChildView {
  /** The controller's state: idle, starting, running, stopping, exited, backoff, stopped, failed. */
  readonly state: string;
  readonly pid: number | null;
  /** Counts spawns; 0 before the first. */
  readonly generation: number;
  /** Epoch ms the current child was spawned; null while none runs. */
  readonly startedAt: number | null;
  readonly restarts: number;
  readonly lastExit: ExitView | null;
  /** Epoch ms of a respawn that is waiting out its delay (state backoff). */
  readonly respawnAt: number | null;
}

/** The recovery circuit breaker as the status server shows it. */
export interface BreakerView {
  readonly state: BreakerStateKind;
  /** Epoch ms it entered this state; null for a breaker that was never anything but closed. */
  readonly since: number | null;
  /** Epoch ms an open breaker half-opens; null otherwise, and for an exhausted open. */
  readonly until: number | null;
  /** Why it last moved, one line. */
  readonly reason: string | null;
  readonly opensInARow: number;
  /** Failures counted towards opening (closed) and how many open it. */
  readonly recentFailures: number;
  readonly failureThreshold: number;
  /** The open that made the supervisor give up. */
  readonly exhausted: boolean;
}

/** Everything /health, /health/ready and /health/live answer from, read at request time. */
export interface StatusView {
  readonly name: string;
  readonly version: string;
  /** Epoch ms of the request. */
  readonly now: number;
  readonly supervisor: {
    readonly pid: number;
    readonly startedAt: number;
    /** The supervisor is on its way out: the child is not coming back. */
    readonly stopping: boolean;
  };
  readonly child: ChildView;
  readonly health: {
    /** The current child's status (`unknown` when none is watched). */
    readonly status: HealthStatus;
    /** The latest round for the current child only; undefined before its first. */
    readonly latest: HealthCheckResult | undefined;
  };
  readonly breaker: BreakerView;
  readonly recovery: {
    readonly enabled: boolean;
    readonly gaveUp: boolean;
  };
}

/** What the status server asks the supervisor for; each call is one snapshot. */
export interface StatusSource {
  view(): StatusView;
  /** The /diagnostics document, secrets already redacted. */
  diagnostics(): unknown;
  /** Recent recovery decisions, oldest first. */
  events(): readonly RecoveryEvent[];
  /** The Prometheus exposition of the supervisor's registry. */
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
}
