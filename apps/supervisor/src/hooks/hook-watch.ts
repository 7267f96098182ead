import type { LiveConfig } from '@mpm/config';
import type { Registry } from 'prom-client';
import type winston from 'winston';
import { ConfigError } from '../errors.js';
import { registerHookMetrics } from '../metrics/hook-metrics.js';
import { abortableSleep } from './deliver-webhook.js';
import { deliverer } from './delivery.js';
import { processOrigin } from './hook-event.js';
import { DRAIN_GRACE_MS, HookDispatcher } from './hook-dispatcher.js';
import { logHookReport } from './hook-log.js';
import type { HookReport } from './hook-report.js';
import { watchHookEvents, type HookSources } from './hook-sources.js';
import { hookSpecsFrom, targetName, type HookSpec } from './hook-spec.js';
import { runCommand } from './run-command.js';
import { postOnce } from './webhook-request.js';

export interface HookWatchOptions {
  /** The supervisor's name, as every event says it. */
  readonly name: string;
  readonly version: string;
  readonly live: LiveConfig;
  readonly logger: winston.Logger;
  readonly registry?: Registry;
  /** The supervisor's environment (PATH, and what a hook command inherits) and working directory. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * Where the pids of running hook commands are kept: Node's own children, which the
   * child's escape sweep and the orphan reaper must leave alone (cli.ts hands them the set).
   */
  readonly running: Set<number>;
}

/**
 * Connects the hooks to the running supervisor: the config's hooks (and each reload's),
 * the events of the controller, recovery and health, the log and the metrics.
 */
export class HookWatch {
  readonly dispatcher: HookDispatcher;
  readonly #options: HookWatchOptions;

  constructor(options: HookWatchOptions) {
    this.#options = options;
    const count = options.registry === undefined ? () => undefined : registerHookMetrics(options.registry);
    const report = (hookReport: HookReport): void => {
      count(hookReport);
      logHookReport(options.logger, hookReport);
    };
    const deliver = deliverer({
      post: (request) => postOnce(request),
      sleep: abortableSleep,
      random: Math.random,
      userAgent: `mpm-supervise/${options.version}`,
      run: runCommand,
      env: options.env,
      running: options.running,
    });
    this.dispatcher = new HookDispatcher(this.#specs(), { deliver, report });
  }

  /** Starts taking events and following reloads; returns the function that stops both. */
  start(sources: HookSources): () => void {
    const { live, logger, name } = this.#options;
    this.#announce(this.dispatcher.hooks);
    const stopEvents = watchHookEvents(sources, processOrigin(name), (event) => this.dispatcher.emit(event));
    const stopFollowing = live.subscribe((change) => {
      if (!change.touches('hooks')) return;
      // The loader checked these already (config-load.ts); a program gone since is refused here.
      try {
        this.dispatcher.update(this.#specs());
      } catch (error) {
        logger.error(`hooks not changed: ${error instanceof Error ? error.message : String(error)}`, { event: 'config_apply_failed' });
        return;
      }
      this.#announce(this.dispatcher.hooks);
    });
    return () => {
      stopEvents();
      stopFollowing();
    };
  }

  /** Lets queued events go out for at most DRAIN_GRACE_MS, then abandons the rest. */
  close(): Promise<void> {
    return this.dispatcher.close(DRAIN_GRACE_MS);
  }

  #specs(): readonly HookSpec[] {
    const { live, env, cwd } = this.#options;
    const specs = hookSpecsFrom(live.loaded, env, cwd);
    if (!specs.ok) throw new ConfigError(specs.errors.map((error) => error.message).join('\n'));
    return specs.specs;
  }

  #announce(hooks: readonly HookSpec[]): void {
    if (hooks.length === 0) return;
    const shown = hooks.map((hook) => `${hook.name} (${targetName(hook.target)}, on ${[...hook.events].join(', ')})`);
    this.#options.logger.info(`hooks: ${shown.join('; ')}`, {
      event: 'hooks_ready',
      hooks: hooks.map((hook) => ({ name: hook.name, kind: hook.target.kind, target: targetName(hook.target), on: [...hook.events] })),
    });
  }
}
