import type { ChildSpec } from '@mpm/child';
import { redactArgs, redactConfig, redactValue, type Config } from '@mpm/config';
import type { HealthCheckResult, HealthMonitor } from '@mpm/health';
import { breakerDocument, childDocument, healthVerdict, type StatusView } from '@mpm/http';
import type { RecoveryManager } from '@mpm/recovery';
import type { BreakerWatch } from './views.js';

/** How many recovery decisions /diagnostics shows; /events has all that are kept. */
const RECENT_EVENTS = 20;

/** Facts about this run that are known once the status server listens. */
export interface RuntimeFacts {
  readonly statusUrl: string | null;
  readonly stateFile: string | null;
  readonly logFile: string | null;
}

export interface DiagnosticsInputs {
  readonly view: StatusView;
  readonly spec: ChildSpec;
  readonly ipc: boolean;
  readonly monitor: HealthMonitor;
  readonly recovery: RecoveryManager;
  readonly breaker: BreakerWatch;
  readonly config: Config;
  readonly runtime: RuntimeFacts;
}

/**
 * GET /diagnostics: everything an operator asks first, in one document. Secrets never
 * appear: the config, the child's arguments and its added environment are redacted by
 * name (token, password, key, …), and the supervisor's own environment is not shown.
 */
export function diagnosticsOf(inputs: DiagnosticsInputs): Record<string, unknown> {
  const { view, spec, monitor, recovery, breaker, config, runtime } = inputs;
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const verdict = healthVerdict(view);
  const last = breaker.lastTransition;
  return {
    generatedAt: new Date(view.now).toISOString(),
    name: view.name,
    versions: { mpmSupervise: view.version, node: process.versions.node, v8: process.versions.v8, platform: process.platform, arch: process.arch },
    supervisor: {
      pid: view.supervisor.pid,
      startedAt: new Date(view.supervisor.startedAt).toISOString(),
      uptimeSeconds: Math.round((view.now - view.supervisor.startedAt) / 1000),
      stopping: view.supervisor.stopping,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1000) / 1000,
      statusServer: runtime.statusUrl,
      stateFile: runtime.stateFile,
      logFile: runtime.logFile,
    },
    config: redactConfig(config),
    child: {
      command: spec.command,
      args: redactArgs(spec.args),
      cwd: spec.cwd,
      addedEnv: redactValue('env', { ...spec.env }),
      // Ahead of the child's NODE_OPTIONS (hang forensics' inspector port).
      addedNodeOptions: spec.nodeOptions ?? [],
      ipc: inputs.ipc,
      ...childDocument(view.child, view.now),
    },
    health: {
      status: verdict.status,
      output: verdict.output ?? null,
      monitorStatus: view.health.status,
      latest: latestOf(view.health.latest),
      checkers:
        view.health.latest?.checks.map((check) => ({
          name: check.name,
          status: check.status,
          durationMs: check.durationMs,
          error: check.error ?? null,
          // A check of health.custom, judged by recovery up to its own maxAction.
          ...(check.userDefined === true ? { userDefined: true } : {}),
        })) ?? [],
      historySize: monitor.settings.historySize,
      kept: monitor.history().length,
      aggregates: monitor.aggregates(),
    },
    breaker: {
      ...breakerDocument(view.breaker),
      opensTotal: breaker.opensTotal,
      lastTransition: last === undefined ? null : { time: new Date(last.at).toISOString(), from: last.from.kind, to: last.to.kind, reason: last.reason },
    },
    recovery: {
      enabled: recovery.settings.enabled,
      gaveUp: recovery.gaveUp,
      busy: recovery.busy,
      decisions: recovery.events.length,
      recentEvents: recovery.events.slice(-RECENT_EVENTS),
    },
  };
}

function latestOf(result: HealthCheckResult | undefined): Record<string, unknown> | null {
  if (result === undefined) return null;
  return {
    time: new Date(result.timestamp).toISOString(),
    durationMs: result.durationMs,
    status: result.status,
    readiness: result.readiness,
    generation: result.generation,
    pid: result.pid,
    metrics: result.metrics.map(({ name, value, unit, status, thresholds, message, breaches }) => ({ name, value, unit, status, thresholds, message, breaches: breaches ?? null })),
  };
}
