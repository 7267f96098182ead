import type { RespawnPlan } from './crash-backoff.js';
import type { FailureClass, RestartVia } from './failure-class.js';
import type { HangReport } from './hang-report.js';

/** How clear_connections can reach the child, if at all. */
export type ClearPath = 'ipc' | 'signal' | null;

export type ClearOutcome =
  | { readonly kind: 'cleared'; readonly disconnected: number }
  | { readonly kind: 'signalled'; readonly signal: string }
  /** The request went out and was not answered, or the signal could not be sent. */
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * How an action that replaces the child went: `detail` says what was done; `hangReport`,
 * what a hung child was doing when it was killed (when the host took one).
 */
export type ActionOutcome = { readonly done: true; readonly detail: string; readonly hangReport?: HangReport } | { readonly done: false; readonly reason: string };

/**
 * What recovery can do to the child: the supervisor implements it with the child
 * controller and the agent link. Every call names the generation it is meant for; an
 * implementation must refuse (done: false) when that child is no longer the current one.
 */
export interface RecoveryHost {
  clearPath(generation: number): ClearPath;
  clearConnections(generation: number, path: Exclude<ClearPath, null>): Promise<ClearOutcome>;
  /** Graceful: IPC shutdown (when `via` is message and the agent is there) or the stop signal, SIGKILL after killTimeoutMs, respawn. */
  restart(generation: number, via: RestartVia): Promise<ActionOutcome>;
  /**
   * SIGKILL to the whole group at once, then respawn. For a `hung` child the host may
   * first take a hang report, as long as that never delays the kill by more than its
   * bound and never fails the action.
   */
  emergencyStop(generation: number, failureClass: FailureClass): Promise<ActionOutcome>;
  /** A new child after a crash, after plan.delayMs; false when there is nothing to respawn. */
  respawn(plan: RespawnPlan): boolean;
  /** maxOpenCycles reached: stop the child and exit with 75. */
  giveUp(reason: string): void;
}
