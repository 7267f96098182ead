import { parentDeathWrapper, type ChildController } from '@mpm/child';
import { loadNative } from '@mpm/native';
import type winston from 'winston';
import type { Adoption } from './adoption.js';
import { OrphanReaper } from './orphan-reaper.js';

/**
 * Keeps the child's processes from outliving the supervisor (docs/security.md):
 * - the child is spawned behind `setpriv --pdeathsig SIGKILL` (@mpm/child), so that even a
 *   SIGKILLed supervisor takes it along;
 * - processes that left its group are adopted (Adoption) and ended with it by the
 *   controller; here their exits are collected (OrphanReaper), as PID 1 must do for
 *   every orphan: libuv waits only for the children it spawned.
 * What is missing is said once, at start. Signals need nothing more as PID 1: it gets
 * only the signals it handles (docs/design.md §5), and when it exits the kernel ends whatever is
 * left in the namespace.
 */
export function startProcessGuard(controller: ChildController, logger: winston.Logger, adoption: Adoption, otherChildren: () => Iterable<number> = () => []): () => void {
  const missing: string[] = [];
  if (parentDeathWrapper() === undefined) missing.push('util-linux setpriv was not found in /usr/bin or /bin: a supervisor killed with SIGKILL leaves its child running');
  if (adoption.kind === 'none') missing.push(`${adoption.reason}: a process that leaves the child's process group (setsid) outlives a stop`);
  if (missing.length > 0) {
    logger.warn(`cannot guard against escaping processes: ${missing.join('; ')} (under systemd, KillMode=control-group ends them)`, {
      event: 'process_guard_unavailable',
      pdeathsig: parentDeathWrapper() !== undefined,
      subreaper: adoption.kind !== 'none',
    });
  }
  if (adoption.kind === 'none') return () => undefined;
  const native = loadNative();
  if (!native.ok) {
    logger.warn(`running as PID 1 but cannot collect orphaned processes: ${native.reason} (they stay zombies; run with an init such as tini, or docker --init)`, {
      event: 'pid1_reaping_unavailable',
    });
    return () => undefined;
  }
  const reaper = new OrphanReaper({
    reap: (orphan) => native.bindings.reap(orphan),
    // Node's own children besides the child (hook commands, exec checks): libuv collects them.
    ownChildren: () => [...controller.ownChildren, ...otherChildren()],
    logger,
  });
  if (adoption.kind === 'pid1') {
    logger.info('running as PID 1: collecting orphaned processes, SIGTERM stops the child and then everything', { event: 'pid1' });
  }
  return reaper.start();
}
