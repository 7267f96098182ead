import type { HealthMonitor } from '@mpm/health';
import type winston from 'winston';

/**
 * A probe that got an answer it cannot judge (a plain HTTP server, another Socket.IO
 * path, a certificate it does not trust) says so once, with the setting that fixes it:
 * one warning per distinct cause for the supervisor's life, not one per round or per child.
 */
/** A hostile child could vary its answer at every round: past this many causes, no more lines. */
const MAX_CAUSES = 16;

export function logProbeMismatches(monitor: HealthMonitor, logger: winston.Logger): () => void {
  const said = new Set<string>();
  return monitor.onResult((result) => {
    for (const metric of result.metrics) {
      const mismatch = metric.mismatch;
      if (mismatch === undefined || said.size >= MAX_CAUSES || said.has(`${metric.name}\0${mismatch.cause}`)) continue;
      said.add(`${metric.name}\0${mismatch.cause}`);
      logger.warn(`${metric.message}; the other checks go on judging the child`, {
        event: 'probe_mismatch',
        metric: metric.name,
        cause: mismatch.cause,
        hint: mismatch.hint,
        childPid: result.pid,
        generation: result.generation,
      });
    }
  });
}
