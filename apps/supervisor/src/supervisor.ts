import { ChildController, type ChildState, type StopReason } from '@mpm/child';
import { redactArgs } from '@mpm/config';
import type winston from 'winston';
import { logChildEvents } from './child-log.js';
import { ExitCode } from './exit-codes.js';
import type { RunOptions } from './run-options.js';

/**
 * Runs one supervised child and knows how the run ends. Later parts (health monitor,
 * recovery, status server) attach here, to the controller's events and actions.
 */
export class Supervisor {
  readonly controller: ChildController;
  readonly #options: RunOptions;
  readonly #logger: winston.Logger;
  #stopping: Promise<void> | undefined;
  #gaveUp = false;
  readonly #stoppingListeners: ((reason: StopReason) => void)[] = [];

  constructor(options: RunOptions, logger: winston.Logger, { endEscapes = false, otherChildren }: { endEscapes?: boolean; otherChildren?: () => Iterable<number> } = {}) {
    this.#options = options;
    this.#logger = logger;
    this.controller = new ChildController({ spec: options.spec, settings: options.child, endEscapes, ...(otherChildren === undefined ? {} : { otherChildren }) });
    logChildEvents(this.controller, logger);
  }

  /** Starts the child; resolves with the supervisor's exit code once the run is over. */
  run(): Promise<ExitCode> {
    const { name, spec, port } = this.#options;
    const args = redactArgs(spec.args);
    this.#logger.info(`supervising ${name}: ${[spec.command, ...args].join(' ')}`, {
      event: 'supervisor_started',
      name,
      command: spec.command,
      args,
      cwd: spec.cwd,
      port,
    });
    // While a crashed child waits out an open breaker no process or socket is left to keep
    // the loop alive, and the supervisor must not quietly end: it holds the loop itself.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    const ended = new Promise<ExitCode>((resolve) => {
      const onState = ({ to }: { to: ChildState }): void => {
        const code = exitCodeFor(to);
        if (code === undefined) return;
        clearInterval(keepAlive);
        this.controller.off('state', onState);
        resolve(this.#gaveUp && code === ExitCode.ok ? ExitCode.gaveUp : code);
      };
      this.controller.on('state', onState);
    });
    this.controller.start();
    return ended;
  }

  /** Stops the child gracefully; a second call joins the first. */
  stop(reason: StopReason): Promise<void> {
    if (this.#stopping === undefined) {
      for (const listener of this.#stoppingListeners) listener(reason);
      this.#stopping = this.controller.stop(reason);
    }
    return this.#stopping;
  }

  /** Called once, when the supervisor starts on its way out (a stop, or recovery giving up). */
  onStopping(listener: (reason: StopReason) => void): void {
    this.#stoppingListeners.push(listener);
  }

  /**
   * Recovery gave up (the breaker opened maxOpenCycles times in a row): the child is
   * stopped and the supervisor exits with 75, so that systemd or Kubernetes can take over.
   */
  giveUp(reason: string): Promise<void> {
    if (this.#stopping === undefined) {
      this.#gaveUp = true;
      this.#logger.debug(`stopping the child: ${reason}`, { event: 'supervisor_giving_up' });
    }
    return this.stop('recovery');
  }

  /** SIGKILL to the child's group now, e.g. on a second Ctrl-C. */
  killNow(reason: StopReason): Promise<void> {
    return this.controller.kill(reason);
  }

  /** Graceful restart of the child, unless the supervisor is on its way out. */
  async restartChild(reason: StopReason): Promise<void> {
    if (this.#stopping !== undefined) return;
    await this.controller.restart(reason);
  }

  get isStopping(): boolean {
    return this.#stopping !== undefined;
  }
}

function exitCodeFor(state: ChildState): ExitCode | undefined {
  switch (state.kind) {
    case 'stopped':
      return ExitCode.ok;
    case 'failed':
      return state.error.kind === 'bad_cwd' ? ExitCode.config : state.error.kind === 'other' ? ExitCode.internalError : ExitCode.commandNotFound;
    default:
      return undefined;
  }
}
