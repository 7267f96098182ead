import { isProcessAlive } from '@mpm/child';
import { waitUntil } from './wait.js';

/** Waits until none of `pids` is alive (zombies count as gone), or fails naming them. */
export async function expectAllGone(pids: Iterable<number>, timeoutMs = 10_000): Promise<void> {
  const list = [...pids];
  await waitUntil(() => list.every((pid) => !isProcessAlive(pid)), {
    timeoutMs,
    what: `processes ${list.filter((pid) => isProcessAlive(pid)).join(', ')} to be gone`,
  });
}

/** Best-effort SIGKILL of a process group and a process; for cleanup after a failed test. */
export function killQuietly(pid: number, group = false): void {
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Lets processes a test stopped with SIGSTOP run again, so that they can be stopped for good. */
export function continueAll(pids: number[]): void {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Gone already.
    }
  }
}
