/** recovery.circuitBreaker (docs/design.md §4). */
export interface BreakerSettings {
  /** Failed recoveries within failureWindowMs that open the breaker. */
  readonly failureThreshold: number;
  /** recovery.failureWindowMs: failures older than this are forgotten. */
  readonly failureWindowMs: number;
  /** How long the first open lasts; each consecutive open doubles it, up to 8×. */
  readonly timeoutMs: number;
  /** Healthy checks in half_open that close it again. */
  readonly successThreshold: number;
  /** Opens in a row after which the supervisor gives up (exit 75). */
  readonly maxOpenCycles: number;
}

/**
 * The breaker's lifecycle, each state with the data that only makes sense in it.
 * `opensInARow` counts opens since the breaker was last closed.
 */
export type BreakerState =
  | {
      readonly kind: 'closed';
      /** When each failed recovery within failureWindowMs was seen, oldest first. */
      readonly recentFailures: readonly number[];
    }
  | {
      readonly kind: 'open';
      readonly since: number;
      readonly until: number;
      readonly opensInARow: number;
      /** The open that reached maxOpenCycles: it never half-opens, the supervisor gives up. */
      readonly exhausted: boolean;
    }
  | {
      readonly kind: 'half_open';
      readonly since: number;
      readonly opensInARow: number;
      /** The one action half_open allows: not yet asked for, or handed out. */
      readonly trial: 'available' | 'taken';
      readonly healthyChecks: number;
    };

export type BreakerStateKind = BreakerState['kind'];

export interface BreakerTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly at: number;
  /** One line: why it moved. */
  readonly reason: string;
  /** Set on the open that reaches maxOpenCycles: the supervisor gives up. */
  readonly exhausted: boolean;
}

/** Whether an action may go ahead now. */
export type Permit = { readonly allowed: true; readonly trial: boolean } | { readonly allowed: false; readonly reason: string; readonly until: number | null };

/** The open timeout for the n-th open in a row: doubling, capped at 8× (docs/design.md §4). */
export function openTimeoutMs(settings: BreakerSettings, opensInARow: number): number {
  return settings.timeoutMs * Math.min(2 ** Math.max(0, opensInARow - 1), 8);
}
