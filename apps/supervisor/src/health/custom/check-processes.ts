import type { ProcessRegistry } from '@mpm/health';

/**
 * The exec checks' processes while they run. They are children of the supervisor as the
 * child is, so the ones who look at the supervisor's children must tell them apart: the
 * sweep of processes that escaped the child's group must not end them, and PID 1's
 * reaping must leave their exit to Node.
 */
export class CheckProcesses implements ProcessRegistry {
  readonly #pids = new Set<number>();

  add(pid: number): void {
    this.#pids.add(pid);
  }

  delete(pid: number): void {
    this.#pids.delete(pid);
  }

  pids(): number[] {
    return [...this.#pids];
  }
}
