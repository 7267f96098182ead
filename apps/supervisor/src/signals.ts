import type winston from 'winston';
import type { Supervisor } from './supervisor.js';

/**
 * How long after a restart a SIGUSR2 still counts as asking for that one: signals sent in
 * a burst (a deploy script run twice, `pkill -USR2` matching twice) must not restart the
 * child once per signal.
 */
const RESTART_MERGE_AFTER_MS = 1000;

/**
 * The supervisor's answer to signals (docs/design.md §5): SIGTERM/SIGINT stop the child
 * gracefully (a second SIGINT kills it at once), SIGUSR2 restarts it (SIGUSR2s during a
 * restart and for RESTART_MERGE_AFTER_MS after it are merged into it), SIGHUP reloads the
 * config (and `reload` reopens the log file first). Returns a function that removes the handlers.
 */
export function handleSignals(supervisor: Supervisor, logger: winston.Logger, reload: () => void): () => void {
  let interrupts = 0;
  /** The restart SIGUSR2 started, while it runs and shortly after; later SIGUSR2s are counted into it. */
  let restart: { merged: number } | undefined;
  const handlers: Partial<Record<NodeJS.Signals, () => void>> = {
    SIGTERM: () => {
      note('SIGTERM', 'stopping the child gracefully');
      void supervisor.stop('shutdown');
    },
    SIGINT: () => {
      interrupts += 1;
      if (interrupts === 1) {
        note('SIGINT', 'stopping the child gracefully (press Ctrl-C again to kill it at once)');
        void supervisor.stop('shutdown');
      } else {
        note('SIGINT', 'killing the child at once');
        void supervisor.killNow('shutdown');
      }
    },
    SIGUSR2: () => {
      if (supervisor.isStopping) {
        note('SIGUSR2', 'ignored: the supervisor is stopping');
        return;
      }
      if (restart !== undefined) {
        restart.merged += 1;
        return;
      }
      note('SIGUSR2', 'restarting the child gracefully');
      const current = { merged: 0 };
      restart = current;
      void supervisor.restartChild('operator').finally(() => {
        const timer = setTimeout(() => {
          restart = undefined;
          if (current.merged === 0) return;
          logger.info(`received SIGUSR2 ${current.merged} more time(s) during that restart: merged into it, not restarted again`, {
            event: 'supervisor_signal',
            signal: 'SIGUSR2',
            merged: current.merged,
          });
        }, RESTART_MERGE_AFTER_MS);
        timer.unref();
      });
    },
    SIGHUP: () => {
      note('SIGHUP', 'reloading the config file and environment');
      reload();
    },
  };

  function note(signal: NodeJS.Signals, action: string): void {
    logger.info(`received ${signal}: ${action}`, { event: 'supervisor_signal', signal });
  }

  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  };
}
