import type { ChildController } from '@mpm/child';
import { loadNative } from '@mpm/native';
import type winston from 'winston';
import { OrphanReaper } from './orphan-reaper.js';

/**
 * As a container's entrypoint the supervisor is PID 1: it collects the orphans the kernel
 * hands it (OrphanReaper). Signals need nothing more: PID 1 gets only the signals it
 * handles, and the supervisor handles SIGTERM, SIGINT, SIGHUP and SIGUSR2 (DESIGN §5),
 * passing a stop on to the child's whole process group. When PID 1 exits, the kernel
 * ends whatever is left in the namespace.
 */
export function startPid1Duties(controller: ChildController, logger: winston.Logger, pid: number = process.pid): () => void {
  if (pid !== 1) return () => undefined;
  const native = loadNative();
  if (!native.ok) {
    logger.warn(`running as PID 1 but cannot collect orphaned processes: ${native.reason} (they stay zombies; run with an init such as tini, or docker --init)`, {
      event: 'pid1_reaping_unavailable',
    });
    return () => undefined;
  }
  const reaper = new OrphanReaper({
    reap: (orphan) => native.bindings.reap(orphan),
    ownChildren: () => (controller.pid === undefined ? [] : [controller.pid]),
    logger,
  });
  logger.info('running as PID 1: collecting orphaned processes, SIGTERM stops the child and then everything', { event: 'pid1' });
  return reaper.start();
}
