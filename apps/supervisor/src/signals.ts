import type winston from 'winston';
import type { Supervisor } from './supervisor.js';

/**
 * The supervisor's answer to signals (DESIGN §5): SIGTERM/SIGINT stop the child
 * gracefully (a second SIGINT kills it at once), SIGUSR2 restarts it, SIGHUP reloads
 * the config (and `reload` reopens the log file first). Returns a function that removes the handlers.
 */
export function handleSignals(supervisor: Supervisor, logger: winston.Logger, reload: () => void): () => void {
  let interrupts = 0;
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
      note('SIGUSR2', 'restarting the child gracefully');
      void supervisor.restartChild('operator');
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
