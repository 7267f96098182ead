import { procStats } from '@mpm/child';
import type { ReapedStatus } from '@mpm/native';
import type winston from 'winston';

/** A process that has exited and waits for its parent (this process) to collect it. */
export interface Zombie {
  readonly pid: number;
}

export interface OrphanReaperOptions {
  /** waitpid(pid, WNOHANG) (@mpm/native). */
  readonly reap: (pid: number) => ReapedStatus | null;
  /** The children Node itself spawned and waits for: never taken from it. */
  readonly ownChildren: () => readonly number[];
  readonly logger: winston.Logger;
  /** A sweep now and then besides the one on each SIGCHLD, in case a signal was merged. */
  readonly sweepIntervalMs?: number;
  readonly listZombies?: () => readonly Zombie[];
}

/**
 * PID 1's duty that Node does not do: orphaned processes are handed to PID 1, and when
 * they exit only PID 1 can free them; libuv waits for the children it spawned and no
 * others, so without this each one stays a zombie until the container ends. On every
 * SIGCHLD (and every sweepIntervalMs) it collects the zombies among this process's
 * children that Node did not spawn.
 */
export class OrphanReaper {
  readonly #options: OrphanReaperOptions;
  #reaped = 0;
  #scheduled = false;

  constructor(options: OrphanReaperOptions) {
    this.#options = options;
  }

  /** Orphans collected so far. */
  get reaped(): number {
    return this.#reaped;
  }

  start(): () => void {
    const onChild = (): void => this.#schedule();
    process.on('SIGCHLD', onChild);
    const timer = setInterval(() => this.sweep(), this.#options.sweepIntervalMs ?? 5000);
    timer.unref();
    this.sweep();
    return () => {
      process.off('SIGCHLD', onChild);
      clearInterval(timer);
    };
  }

  /** Collects every zombie child that is not one of Node's own; returns how many. */
  sweep(): number {
    const { reap, ownChildren, logger, listZombies = zombieChildren } = this.#options;
    const own = new Set(ownChildren());
    let count = 0;
    for (const zombie of listZombies()) {
      if (own.has(zombie.pid)) continue;
      let status: ReapedStatus | null;
      try {
        status = reap(zombie.pid);
      } catch (error) {
        logger.warn(`could not collect the exited orphan ${zombie.pid}: ${error instanceof Error ? error.message : String(error)}`, { event: 'orphan_reap_failed', orphanPid: zombie.pid });
        continue;
      }
      if (status === null) continue;
      count += 1;
      this.#reaped += 1;
      const how = status.code !== null ? `exit code ${status.code}` : `signal ${status.signal ?? '?'}`;
      logger.debug(`collected the exited orphan ${zombie.pid} (${how})`, { event: 'orphan_reaped', orphanPid: zombie.pid, exitCode: status.code, signal: status.signal });
    }
    return count;
  }

  /** After the SIGCHLD has been handled, so that libuv collects its own children first. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.sweep();
    });
  }
}

/** This process's children that have exited and not been collected (from /proc). */
export function zombieChildren(parent: number = process.pid): Zombie[] {
  return procStats()
    .filter((stat) => stat.ppid === parent && stat.state === 'Z')
    .map((stat) => ({ pid: stat.pid }));
}
