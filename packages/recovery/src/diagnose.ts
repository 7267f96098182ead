import { causesOf, type HealthCheckResult, type HealthMetric } from '@mpm/health';
import { higher, rankOf, type RecoveryAction } from './actions.js';
import { ceilingFor } from './ceilings.js';
import { checkCeilingOf, type CheckCeilings } from './check-failures.js';
import { summarize, type Diagnosis, type FailureClass, type RestartVia, type Severity } from './failure-class.js';

/** What an exit tells, as the controller reports it. */
export interface ExitFacts {
  readonly pid: number;
  readonly generation: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly uptimeMs: number;
}

const STOPPED_STATES = new Set(['T', 't']);
const GONE_STATES = new Set(['Z', 'X', 'gone']);

/** Liveness failures may go all the way; the rung they start on depends on the class. */
const LIVENESS: Readonly<Record<Exclude<FailureClass, 'resource' | 'check_failed'>, { floor: RecoveryAction; via: RestartVia }>> = {
  crashed: { floor: 'restart_service', via: 'signal' },
  // A blocked loop reads no IPC message, and it cannot run a handler for the stop
  // signal either: a graceful stop would only wait out child.killTimeoutMs. It has been
  // silent for failureThreshold rounds, so it is killed at once, as systemd's watchdog does.
  hung: { floor: 'emergency_stop', via: 'signal' },
  // The stop signal goes out with SIGCONT; a stopped process reads nothing.
  stopped: { floor: 'restart_service', via: 'signal' },
  // Its loop answers: it can be asked to shut down cleanly.
  port_closed: { floor: 'restart_service', via: 'message' },
  startup_timeout: { floor: 'restart_service', via: 'signal' },
};

/**
 * Names what is wrong with the child from one health result, or undefined when nothing
 * is (healthy, starting, or only unknowns). A critical result is classified from its
 * critical metrics, a warning from its warnings; the class comes from the signals
 * together (process state, TCP, Socket.IO, IPC), never from one probe alone. A
 * user-defined check (named in `checks`) failing on its own is `check_failed`, up to its
 * maxAction; beside a resource failure it joins it with its own ceiling; beside a
 * liveness failure it is only part of the reason.
 */
export function diagnose(result: HealthCheckResult, checks: CheckCeilings = {}): Diagnosis | undefined {
  const severity: Severity | undefined = result.status === 'critical' ? 'critical' : result.status === 'warning' ? 'warning' : undefined;
  if (severity === undefined) return undefined;
  // A failure on its way to critical (1 of 3 in a row) is the health log's news, not yet recovery's.
  const causes = causesOf(result).filter((metric) => metric.status === severity && (severity === 'critical' || metric.breaches === undefined));
  if (causes.length === 0) return undefined;
  const bad = severity === 'critical' ? withStateThatExplains(causes, result) : causes;
  const builtIn = bad.filter((metric) => checkCeilingOf(metric.name, checks) === undefined);
  const failureClass = builtIn.length === 0 ? 'check_failed' : classify(builtIn, result);
  const reason = bad.map((metric) => metric.message).join('; ');
  const base = { severity, reason, metrics: bad.map(summarize), generation: result.generation, pid: result.pid };
  const ceilingOf = (metric: string): RecoveryAction => checkCeilingOf(metric, checks) ?? ceilingFor(metric);
  if (failureClass === 'check_failed') {
    const thresholds = bad.map((metric) => metric.name);
    // Nothing has been said about it yet (its run on the way to critical is the health
    // log's): the first decision logs, each next one climbs a rung, up to its maxAction.
    const ceiling = severity === 'warning' ? 'log_warning' : thresholds.map(ceilingOf).reduce(higher, 'log_warning');
    return { ...base, failureClass, thresholds, floor: 'log_warning', ceiling, restartVia: 'message' };
  }
  if (failureClass === 'resource') {
    const thresholds = bad.map((metric) => metric.name);
    // Over a hard limit the operator has already said what to do: restart, as PM2 would.
    if (bad.some((metric) => metric.overLimit === true)) return { ...base, failureClass, thresholds, floor: 'restart_service', ceiling: 'restart_service', restartVia: 'message' };
    const ceiling = severity === 'warning' ? 'log_warning' : thresholds.map(ceilingOf).reduce(higher, 'log_warning');
    // At critical the warning has been logged already, failureThreshold rounds ago: another
    // line helps nobody, so a critical resource starts on the first rung that acts.
    const floor = severity === 'critical' && rankOf(ceiling) >= rankOf('clear_connections') ? 'clear_connections' : 'log_warning';
    return { ...base, failureClass, thresholds, floor, ceiling, restartVia: 'message' };
  }
  const { floor, via } = LIVENESS[failureClass];
  // A warning only ever logs: it is a failure on its way, not yet one to act on.
  return severity === 'warning'
    ? { ...base, failureClass, thresholds: [], floor: 'log_warning', ceiling: 'log_warning', restartVia: via }
    : { ...base, failureClass, thresholds: [], floor, ceiling: 'emergency_stop', restartVia: via };
}

/** An unexpected exit: the child is gone, and the only help is a new one. */
export function diagnoseExit(exit: ExitFacts): Diagnosis {
  const how = exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
  const reason = `child ${exit.pid} ${how} after ${exit.uptimeMs} ms up`;
  return {
    failureClass: 'crashed',
    severity: 'critical',
    reason,
    metrics: [{ name: 'exit', value: exit.signal ?? exit.code, unit: exit.signal !== null ? 'signal' : 'code', status: 'critical', message: reason }],
    thresholds: [],
    floor: 'restart_service',
    ceiling: 'restart_service',
    restartVia: 'signal',
    generation: exit.generation,
    pid: exit.pid,
  };
}

/**
 * A process stopped or gone between two rounds fails its probes a round before its state
 * has failed failureThreshold times in a row; the probes' critical verdict then comes with
 * a state that is still only on its way. That state says why the probes fail (a stopped
 * process is not a hung loop), so it joins the causes and decides the class.
 */
function withStateThatExplains(causes: readonly HealthMetric[], result: HealthCheckResult): readonly HealthMetric[] {
  if (causes.some((metric) => metric.name === 'processState')) return causes;
  const state = result.metrics.find((metric) => metric.name === 'processState');
  if (state === undefined || typeof state.value !== 'string' || state.status !== 'warning') return causes;
  if (!STOPPED_STATES.has(state.value) && !GONE_STATES.has(state.value)) return causes;
  return [state, ...causes];
}

function classify(bad: readonly HealthMetric[], result: HealthCheckResult): FailureClass {
  const named = (name: string): HealthMetric | undefined => bad.find((metric) => metric.name === name);
  const seen = (name: string): HealthMetric | undefined => result.metrics.find((metric) => metric.name === name);
  const state = named('processState');
  if (state !== undefined && typeof state.value === 'string') {
    if (STOPPED_STATES.has(state.value)) return 'stopped';
    if (GONE_STATES.has(state.value)) return 'crashed';
  }
  if (result.readiness === 'startup_timeout') return 'startup_timeout';
  // A probe that failed has no value; one that answered slowly has one (that is lag).
  const failedProbe = (name: string): boolean => named(name) !== undefined && named(name)?.value === null;
  const answered = (name: string): boolean => {
    const metric = seen(name);
    return metric !== undefined && metric.value !== null && metric.status !== 'unknown';
  };
  const tcpDown = failedProbe('tcpLatencyMs');
  const socketioDown = failedProbe('socketioLatencyMs');
  const ipcDown = failedProbe('ipcLatencyMs');
  if (!tcpDown && !socketioDown && !ipcDown) return 'resource';
  if (ipcDown && !answered('socketioLatencyMs')) return 'hung';
  // The process answers (over IPC, or at least the kernel says it runs) but does not serve.
  if (tcpDown || (socketioDown && answered('ipcLatencyMs'))) return 'port_closed';
  return 'hung';
}
