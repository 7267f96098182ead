import type { ChildController } from '@mpm/child';
import type { ConfigUpdates } from '@mpm/config';
import type { DashboardSource, TimelineEntry } from '@mpm/dashboard';
import type { HealthCheckResult, HealthMonitor, MonitorSettings } from '@mpm/health';
import type { StatusSource, StatusView } from '@mpm/http';
import type { RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import type { Registry } from 'prom-client';
import { diagnosticsOf, type RuntimeFacts } from './diagnostics.js';
import type { HangForensics } from '../forensics/hang-forensics.js';
import { recordHangReports, recordTimeline, Timeline } from './timeline.js';
import { BreakerWatch, childViewOf } from './views.js';

export interface SupervisorStatusOptions {
  readonly name: string;
  readonly version: string;
  readonly controller: ChildController;
  readonly monitor: HealthMonitor;
  readonly recovery: RecoveryManager;
  /** Hang reports, for the timeline. */
  readonly forensics?: HangForensics;
  readonly config: ConfigUpdates;
  readonly registry: Registry;
  readonly isStopping: () => boolean;
  readonly now?: () => number;
}

/**
 * The supervisor as the status server, the dashboard and the metrics see it: every answer
 * is read from the controller, the health monitor and the recovery manager at that moment.
 * Listens from construction on (the breaker's moves, the timeline), so it must be made
 * before the child starts.
 */
export class SupervisorStatus implements StatusSource, DashboardSource {
  readonly startedAt: number;
  readonly #options: SupervisorStatusOptions;
  readonly #breaker: BreakerWatch;
  readonly #timeline: Timeline;
  /** One listener on each emitter, whatever the number of open dashboards (each one a change listener). */
  readonly #changeListeners = new Set<() => void>();
  readonly #unsubscribe: Array<() => void>;
  readonly #now: () => number;
  /** Where the status server listens, the state file and the log file, once known. */
  runtime: RuntimeFacts = { statusUrl: null, stateFile: null, logFile: null };

  constructor(options: SupervisorStatusOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.startedAt = this.#now();
    this.#breaker = new BreakerWatch(options.recovery);
    this.#timeline = new Timeline(undefined, this.#now);
    const { controller, monitor, recovery } = options;
    // The breaker and the child's state can move without a timeline entry (a breaker's
    // failure count, a child that is stopping).
    const changed = (): void => {
      for (const listener of this.#changeListeners) listener();
    };
    controller.on('state', changed);
    recovery.on('breaker', changed);
    this.#unsubscribe = [
      recordTimeline(this.#timeline, controller, recovery),
      monitor.onResult(changed),
      this.#timeline.onEntry(changed),
      () => controller.off('state', changed),
      () => recovery.off('breaker', changed),
    ];
    if (options.forensics !== undefined) this.#unsubscribe.push(recordHangReports(this.#timeline, options.forensics));
  }

  view(): StatusView {
    const { name, version, controller, monitor, recovery, isStopping } = this.#options;
    const child = childViewOf(controller);
    const latest = monitor.latest;
    return {
      name,
      version,
      now: this.#now(),
      supervisor: { pid: process.pid, startedAt: this.startedAt, stopping: isStopping() },
      child,
      // An earlier child's last round says nothing about this one.
      health: { status: monitor.status, latest: latest !== undefined && latest.generation === child.generation ? latest : undefined },
      breaker: this.#breaker.view(),
      recovery: { enabled: recovery.settings.enabled, gaveUp: recovery.gaveUp },
    };
  }

  diagnostics(): unknown {
    const { controller, monitor, recovery, config } = this.#options;
    return diagnosticsOf({
      view: this.view(),
      spec: controller.spec,
      ipc: controller.hasIpc,
      monitor,
      recovery,
      breaker: this.#breaker,
      config: config.current,
      runtime: this.runtime,
    });
  }

  events(): readonly RecoveryEvent[] {
    return this.#options.recovery.events;
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    const { registry } = this.#options;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  history(): readonly HealthCheckResult[] {
    return this.#options.monitor.history();
  }

  timeline(): readonly TimelineEntry[] {
    return this.#timeline.entries();
  }

  settings(): MonitorSettings {
    return this.#options.monitor.settings;
  }

  onChange(listener: () => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#changeListeners.clear();
    this.#breaker.close();
  }
}
