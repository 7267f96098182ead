import type { SpawnFailedError } from './errors.js';

/** Why the supervisor ended a child on purpose; set once per child, the first one wins. */
export type StopReason = 'operator' | 'shutdown' | 'restart' | 'recovery' | 'internal_error';

export interface ExitInfo {
  readonly pid: number;
  readonly generation: number;
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly uptimeMs: number;
  readonly at: number;
}

/** What happens once a stopping child is gone. */
export type AfterStop = 'stop' | 'restart';

/**
 * The controller's lifecycle. Each state carries the data that only makes sense in it;
 * `generation` counts spawns, so that news about a child that is gone can be told apart.
 */
export type ChildState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'starting'; readonly generation: number; readonly since: number }
  | { readonly kind: 'running'; readonly generation: number; readonly pid: number; readonly startedAt: number }
  | {
      readonly kind: 'stopping';
      readonly generation: number;
      readonly pid: number;
      readonly startedAt: number;
      readonly reason: StopReason;
      readonly then: AfterStop;
      /** When the stop was asked for. */
      readonly since: number;
      /** When the group gets SIGKILL if it is still there. */
      readonly deadline: number;
    }
  /**
   * The child exited on its own. Nothing happens until someone calls respawn(), restart(),
   * stop() or kill(): whether and when to bring it back is the recovery package's call.
   */
  | { readonly kind: 'exited'; readonly generation: number; readonly lastExit: ExitInfo }
  /** Waiting to respawn the child of `generation`, as asked by respawn(). */
  | {
      readonly kind: 'backoff';
      readonly generation: number;
      readonly until: number;
      readonly attempt: number;
      readonly delayMs: number;
      readonly lastExit: ExitInfo;
    }
  | { readonly kind: 'stopped'; readonly reason: StopReason; readonly lastExit: ExitInfo | null }
  | { readonly kind: 'failed'; readonly error: SpawnFailedError };

export type ChildStateKind = ChildState['kind'];

/** The states in which nothing more happens until someone calls start(). */
export function isSettled(state: ChildState): boolean {
  return state.kind === 'idle' || state.kind === 'stopped' || state.kind === 'failed';
}

/** A stop or restart is over once the child is gone for good, or its successor runs. */
export function stopIsOver(state: ChildState): boolean {
  return isSettled(state) || state.kind === 'running' || state.kind === 'exited' || state.kind === 'backoff';
}
