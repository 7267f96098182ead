// Every process a run starts inherits the run's tag in its environment, so whatever still
// carries it once the run has stopped everything is a leak.
import { randomUUID } from 'node:crypto';
import { taggedProcesses } from './proc.mjs';
import { delay } from './wait.mjs';

// Not MPM_*: the supervisor warns about MPM_ variables it does not know.
const TAG = 'BENCH_RUN_TAG';

export function runTag() {
  const id = randomUUID();
  const killLeft = () => {
    const left = taggedProcesses(TAG, id);
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    return left;
  };
  return {
    /** To spread into the environment of everything the run starts. */
    env: { [TAG]: id },
    /** Kills what of the run is still alive, at once; returns it. */
    killLeft,
    /**
     * What of the run is still alive, killed and returned. Looked at twice: a process that
     * is exiting (PM2's daemon, a killed shell loop) can take a moment to go.
     */
    async sweep() {
      if (taggedProcesses(TAG, id).length > 0) await delay(2_000);
      return killLeft();
    },
  };
}
