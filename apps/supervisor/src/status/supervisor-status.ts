import type { ChildController } from '@mpm/child';
import type { ConfigUpdates } from '@mpm/config';
import type { HealthMonitor } from '@mpm/health';
import type { StatusSource, StatusView } from '@mpm/http';
import type { RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import type { Registry } from 'prom-client';
import { diagnosticsOf, type RuntimeFacts } from './diagnostics.js';
import { BreakerWatch, childViewOf } from './views.js';

export interface SupervisorStatusOptions {
  readonly name: string;
  readonly version: string;
  readonly controller: ChildController;
  readonly monitor: HealthMonitor;
  readonly recovery: RecoveryManager;
  readonly config: ConfigUpdates;
  readonly registry: Registry;
  readonly isStopping: () => boolean;
  readonly now?: () => number;
}

/**
 * The supervisor as the status server and the metrics see it: every answer is read
 * from the controller, the health monitor and the recovery manager at that moment.
 */
export class SupervisorStatus implements StatusSource {
  readonly startedAt: number;
  readonly #options: SupervisorStatusOptions;
  readonly #breaker: BreakerWatch;
  readonly #now: () => number;
  /** Where the status server listens, the state file and the log file, once known. */
  runtime: RuntimeFacts = { statusUrl: null, stateFile: null, logFile: null };

  constructor(options: SupervisorStatusOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.startedAt = this.#now();
    this.#breaker = new BreakerWatch(options.recovery);
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

  close(): void {
    this.#breaker.close();
  }
}
