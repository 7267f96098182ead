import type { ChildController, IpcTrouble, SpawnedEvent } from '@mpm/child';
import type { Config, ConfigUpdates } from '@mpm/config';
import { AgentLink, defaultCheckers, HealthMonitor, systemClock, type Clock, type HealthChecker, type HealthTarget, type ProbeTls } from '@mpm/health';
import type winston from 'winston';
import { logCheckChanges } from './check-change-log.js';
import { logHealth } from './health-log.js';
import { monitorSettingsFrom, probeAddressFor, probeTlsFrom } from './health-settings.js';
import { logProbeMismatches } from './probe-mismatch-log.js';
import { IpcWarnings } from './ipc-warnings.js';
import type { CustomCheckSet } from './custom/check-set.js';

export interface HealthWatchOptions {
  /** The built-in checkers (default: all of docs/design.md §3). */
  readonly checkers?: readonly HealthChecker[];
  readonly clock?: Clock;
  /**
   * The user-defined checks (health.custom), built already; a reload that changes them
   * builds them again. `where` names the setting in messages.
   */
  readonly custom?: { readonly set: CustomCheckSet; readonly where: () => string };
}

/** The current child as health sees it, with its own IPC link. */
interface Watched {
  readonly generation: number;
  readonly pid: number;
  readonly link: AgentLink | undefined;
  /** What it says wrongly over IPC, logged in bounded numbers. */
  readonly warnings: IpcWarnings;
}

/**
 * Runs the health monitor against whatever child is current (docs/design.md §2): a new target
 * on each spawn, none after an exit; routes the child's IPC messages to its agent link;
 * follows config reloads; logs status changes and, at debug level, every round.
 */
export class HealthWatch {
  readonly monitor: HealthMonitor;
  readonly #controller: ChildController;
  readonly #config: ConfigUpdates;
  readonly #logger: winston.Logger;
  readonly #clock: Clock;
  readonly #builtIns: readonly HealthChecker[];
  readonly #custom: HealthWatchOptions['custom'];
  #stopped = false;
  #watched: Watched | undefined;
  #noPortNoted = false;
  #probeTls: ProbeTls;

  constructor(controller: ChildController, config: ConfigUpdates, logger: winston.Logger, options: HealthWatchOptions = {}) {
    this.#controller = controller;
    this.#config = config;
    this.#logger = logger;
    this.#clock = options.clock ?? systemClock;
    this.#probeTls = probeTlsFrom(config.current.health);
    this.#builtIns = options.checkers ?? defaultCheckers();
    this.#custom = options.custom;
    this.monitor = new HealthMonitor({
      checkers: [...this.#builtIns, ...(options.custom?.set.checkers ?? [])],
      settings: monitorSettingsFrom(config.current),
      clock: this.#clock,
      onListenerError: (error) => logger.error(`health listener failed: ${error instanceof Error ? error.message : String(error)}`, { event: 'internal_error' }),
    });
  }

  /** Starts following the controller and the config; returns the function that stops it. */
  start(): () => void {
    const controller = this.#controller;
    const onSpawned = (spawned: SpawnedEvent): void => this.#watch(spawned);
    const onMessage = (message: unknown, generation: number): void => this.#receive(message, generation);
    const onIpcTrouble = (trouble: IpcTrouble, generation: number): void => this.#trouble(trouble, generation);
    const onExit = ({ generation }: { generation: number }): void => this.#forget(generation);
    // A child the supervisor is ending on purpose is expected to stop answering.
    const onStopRequested = ({ generation }: { generation: number }): void => this.monitor.unwatch(generation);
    controller.on('spawned', onSpawned);
    controller.on('message', onMessage);
    controller.on('ipcTrouble', onIpcTrouble);
    controller.on('exit', onExit);
    controller.on('stopRequested', onStopRequested);
    const stopLogging = logHealth(this.monitor, this.#logger);
    const stopLoggingChecks = logCheckChanges(this.monitor, this.#logger);
    const stopNoting = this.monitor.onResult((result) => {
      if (result.readiness !== 'starting') this.#noteMissingPort(result.generation);
    });
    const stopMismatches = logProbeMismatches(this.monitor, this.#logger);
    const stopFollowing = this.#config.subscribe((change) => {
      if (change.touches('health')) this.#probeTls = probeTlsFrom(change.next.health);
      if (change.touches('health') || change.touches('child.startupTimeoutMs')) this.monitor.update(monitorSettingsFrom(change.next));
      if (change.touches('health.custom')) this.#rebuildCustom(change.next.health.custom);
    });
    return () => {
      controller.off('spawned', onSpawned);
      controller.off('message', onMessage);
      controller.off('ipcTrouble', onIpcTrouble);
      controller.off('exit', onExit);
      controller.off('stopRequested', onStopRequested);
      stopLogging();
      stopLoggingChecks();
      stopNoting();
      stopMismatches();
      stopFollowing();
      this.#stopped = true;
      this.#forget(this.#watched?.generation ?? -1);
      this.monitor.close();
    };
  }

  /** The built-in probe's engine path and TLS trust, as a socketio check with its own URL uses them. */
  probe(): { path: string; tls: ProbeTls } {
    return { path: this.#config.current.health.probePath, tls: this.#probeTls };
  }

  /** A reload changed health.custom: the new set from the round after it is built. */
  #rebuildCustom(checks: Config['health']['custom']): void {
    const custom = this.#custom;
    if (custom === undefined) return;
    custom.set.build(checks, custom.where()).then(
      (built) => {
        if (built === undefined) return;
        if (this.#stopped) {
          for (const checker of built.checkers) checker.close?.();
          return;
        }
        this.monitor.replaceCheckers([...this.#builtIns, ...built.checkers]);
        for (const failure of built.failures) {
          this.#logger.error(`user-defined check not running, shown as unknown until it is fixed: ${failure}`, { event: 'custom_check_unusable' });
        }
      },
      (error: unknown) => this.#logger.error(`could not apply the new user-defined checks: ${error instanceof Error ? error.message : String(error)}`, { event: 'internal_error' }),
    );
  }

  /** The agent link of that child while it is the current one. */
  agentFor(generation: number): AgentLink | undefined {
    const watched = this.#watched;
    return watched?.generation === generation ? watched.link : undefined;
  }

  #watch(spawned: SpawnedEvent): void {
    const { generation, pid } = spawned;
    const controller = this.#controller;
    // Only this child may be written to: a late request must not reach its successor.
    const send = (message: unknown): Promise<boolean> => (this.#watched?.generation === generation ? controller.send(message) : Promise.resolve(false));
    const link = spawned.ipc ? new AgentLink(send, this.#clock) : undefined;
    this.#watched = { generation, pid, link, warnings: new IpcWarnings(this.#logger, generation, () => this.#clock.now()) };
    let announced: string | undefined;
    link?.onReady((ready) => {
      // A child may say ready any number of times: a line when something changed, not per message.
      const said = `${ready.port}\0${ready.address}`;
      if (said === announced) return;
      announced = said;
      this.#logger.info(`child agent ready${ready.port === null ? '' : ` on port ${ready.port}`}`, {
        event: 'agent_ready',
        childPid: pid,
        generation,
        port: ready.port,
        address: ready.address,
      });
    });
    const spawnPort = portOf(controller.spec.env.PORT);
    const config = this.#config;
    const tls = (): ProbeTls => this.#probeTls;
    const target: HealthTarget = {
      pid,
      generation,
      startedAt: this.#clock.now(),
      get address() {
        return probeAddressFor(config.current.health, tls(), spawnPort, link?.ready);
      },
      agent: link,
    };
    this.monitor.watch(target);
  }

  #receive(message: unknown, generation: number): void {
    const watched = this.#watched;
    if (watched?.link === undefined || watched.generation !== generation) return;
    const parsed = watched.link.receive(message);
    if (parsed.kind === 'invalid') watched.warnings.invalid(parsed.type, parsed.reason);
  }

  #trouble(trouble: IpcTrouble, generation: number): void {
    const watched = this.#watched;
    if (watched === undefined || watched.generation !== generation) return;
    watched.warnings.trouble(trouble, watched.pid);
    // Nothing more will be read: requests in flight and later ones are "no IPC", not timeouts.
    if (trouble.kind === 'oversized') watched.link?.close('the supervisor stopped reading the IPC channel (a message over the size limit)');
  }

  #forget(generation: number): void {
    const watched = this.#watched;
    if (watched === undefined || watched.generation !== generation) return;
    this.#watched = undefined;
    watched.link?.close();
    watched.warnings.close();
    this.monitor.unwatch(generation);
  }

  /** Once per run: without a port the TCP and Socket.IO checks cannot run, say how to fix it. */
  #noteMissingPort(generation: number): void {
    const target = this.monitor.target;
    if (this.#noPortNoted || target === undefined || target.generation !== generation || target.address !== undefined) return;
    if (target.agent?.present === true) return;
    this.#noPortNoted = true;
    this.#logger.warn('no port to probe: the TCP and Socket.IO checks wait for one (set --port or health.probeUrl, or load @mpm/agent in the child)', {
      event: 'health_no_port',
      generation,
    });
  }
}

function portOf(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : null;
}
