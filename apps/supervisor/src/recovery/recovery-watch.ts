import type { ExitEvent } from '@mpm/child';
import type { ConfigUpdates } from '@mpm/config';
import { systemClock, type Clock } from '@mpm/health';
import { RecoveryManager } from '@mpm/recovery';
import type { Registry } from 'prom-client';
import type winston from 'winston';
import { HangForensics } from '../forensics/hang-forensics.js';
import { logHangReports } from '../forensics/hang-log.js';
import type { HealthWatch } from '../health/health-watch.js';
import { registerHangReportMetrics } from '../metrics/hang-metrics.js';
import { registerRecoveryMetrics } from '../metrics/recovery-metrics.js';
import type { Supervisor } from '../supervisor.js';
import { cgroupMemoryMaxMb } from './cgroup-memory.js';
import { ChildRecoveryHost } from './child-host.js';
import { sampleChildMemory } from './memory-sampler.js';
import { logRecovery } from './recovery-log.js';
import { RECOVERY_KEYS, recoverySettingsFrom } from './recovery-settings.js';

/**
 * Connects recovery to the running supervisor (docs/design.md §2): every health result and
 * every unexpected exit goes to the manager, whose actions are done to the child
 * through the controller; config reloads reach it without losing the breaker's state.
 */
export interface RecoveryWatchOptions {
  readonly clock?: Clock;
  /** Where the recovery metrics go: the registry the status server scrapes. */
  readonly registry?: Registry;
}

export class RecoveryWatch {
  readonly manager: RecoveryManager;
  /** Hang reports on hung children, taken before the kill; the timeline listens too. */
  readonly forensics: HangForensics;
  readonly #supervisor: Supervisor;
  readonly #health: HealthWatch;
  readonly #config: ConfigUpdates;
  readonly #logger: winston.Logger;
  readonly #registry: Registry | undefined;
  readonly #clock: Clock;
  readonly #cgroupMaxMb = cgroupMemoryMaxMb();

  constructor(supervisor: Supervisor, health: HealthWatch, config: ConfigUpdates, logger: winston.Logger, options: RecoveryWatchOptions = {}) {
    const { clock, registry } = options;
    this.#registry = registry;
    this.#clock = clock ?? systemClock;
    this.#supervisor = supervisor;
    this.#health = health;
    this.#config = config;
    this.#logger = logger;
    this.forensics = new HangForensics(() => config.current.recovery.forensics);
    const host = new ChildRecoveryHost({
      controller: supervisor.controller,
      config,
      agentFor: (generation) => health.agentFor(generation),
      isStopping: () => supervisor.isStopping,
      giveUp: (reason) => void supervisor.giveUp(reason),
      hangReport: (pid, generation) => this.forensics.take(pid, generation),
    });
    this.manager = new RecoveryManager({
      host,
      settings: recoverySettingsFrom(config.current, this.#cgroupMaxMb),
      ...(clock === undefined ? {} : { clock }),
      onError: (error) => logger.error(`recovery failed internally: ${error instanceof Error ? error.message : String(error)}`, { event: 'internal_error' }),
    });
  }

  /** Starts following; returns the function that stops it. */
  start(): () => void {
    const controller = this.#supervisor.controller;
    const stopLogging = logRecovery(this.manager, this.#logger);
    const stopLoggingReports = logHangReports(this.forensics, this.#logger);
    const stopCounting = this.#registry === undefined ? () => undefined : registerRecoveryMetrics(this.#registry, this.manager);
    const stopCountingReports = this.#registry === undefined ? () => undefined : registerHangReportMetrics(this.#registry, this.forensics);
    const stopResults = this.#health.monitor.onResult((result) => this.manager.handleResult(result));
    const onExit = (exit: ExitEvent): void => this.manager.handleExit(exit);
    const stopSampling = sampleChildMemory(controller, this.#clock, (sample) => this.manager.handleMemorySample(sample));
    controller.on('exit', onExit);
    const stopFollowing = this.#config.subscribe((change) => {
      if (RECOVERY_KEYS.some((key) => change.touches(key))) this.manager.update(recoverySettingsFrom(change.next, this.#cgroupMaxMb));
    });
    if (!this.manager.settings.enabled) {
      this.#logger.warn('recovery is disabled (--no-recovery): health is checked and logged, crashes are respawned, nothing else is done to the child', {
        event: 'recovery_disabled',
      });
    }
    return () => {
      stopResults();
      stopSampling();
      controller.off('exit', onExit);
      stopFollowing();
      stopLogging();
      stopLoggingReports();
      stopCounting();
      stopCountingReports();
      this.manager.close();
    };
  }
}
