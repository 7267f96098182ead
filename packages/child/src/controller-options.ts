import type { Clock } from '@mpm/system';
import type { ChildSettings, ChildSpec } from './settings.js';
import type { SpawnFunction } from './spawn.js';

export interface ChildControllerOptions {
  readonly spec: ChildSpec;
  readonly settings?: Partial<ChildSettings>;
  readonly clock?: Clock;
  readonly spawn?: SpawnFunction;
  /**
   * After the child's group is gone, also end this process's other descendants: the ones
   * that left the group (setsid) and were handed to this process, a child subreaper.
   */
  readonly endEscapes?: boolean;
  /**
   * Other children of this process that are not the child's (hook commands, exec health
   * checks): never taken for processes that escaped the child's group.
   */
  readonly otherChildren?: () => Iterable<number>;
}

/** When to bring back a child that exited on its own; decided outside the controller. */
export interface RespawnPlan {
  readonly delayMs: number;
  /** Which restart in a row this is, as the caller counts them; only reported. */
  readonly attempt: number;
}

export interface StopOptions {
  /**
   * Asks the child to shut down by itself (an IPC message, typically); resolves true when
   * the child took the request. When it resolves false or rejects, the stop signal goes
   * out as usual. The SIGKILL deadline runs either way.
   */
  readonly request?: () => Promise<boolean>;
}

/** A longer delay makes setTimeout fire at once (and warn), so respawn() refuses it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Throws a RangeError naming what is wrong with a plan respawn() cannot follow. */
export function assertRespawnPlan({ delayMs, attempt }: RespawnPlan): void {
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_TIMER_MS) {
    throw new RangeError(`respawn delayMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${String(delayMs)}`);
  }
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`respawn attempt must be a whole number from 1, got ${String(attempt)}`);
  }
}
