import { DEFAULT_THRESHOLDS, failed, info, rated, unknown, worstOf, type HealthCheckResult, type HealthMetric, type Readiness } from '@mpm/health';

export const PID = 4242;
export const URL = 'http://127.0.0.1:3000';
const T = DEFAULT_THRESHOLDS;

/** Readings as the checkers report them, for a round at `at`. */
export const reading = {
  running: (at: number, state = 'S'): HealthMetric => ({ ...info('processState', state, 'state', at), message: `process ${PID} is ${state}` }),
  processIs: (at: number, state: string, described: string): HealthMetric => failed('processState', 'state', `process ${PID} is ${state} (${described})`, at, state),
  gone: (at: number): HealthMetric => failed('processState', 'state', `process ${PID} is gone`, at, 'gone'),
  cpu: (at: number, percent: number): HealthMetric => rated('cpuPercent', percent, 'percent', T.cpuPercent, at),
  memory: (at: number, mb: number): HealthMetric => rated('memoryMb', mb, 'MiB', T.memoryMb, at),
  clients: (at: number, count: number): HealthMetric => rated('clients', count, 'count', T.clients, at),
  tcp: (at: number, ms = 1): HealthMetric => rated('tcpLatencyMs', ms, 'ms', T.probeLatencyMs, at),
  tcpRefused: (at: number): HealthMetric => failed('tcpLatencyMs', 'ms', 'port 127.0.0.1:3000 is not accepting connections: ECONNREFUSED', at),
  socketio: (at: number, ms = 4): HealthMetric => ({ ...rated('socketioLatencyMs', ms, 'ms', T.probeLatencyMs, at), message: `Socket.IO ping at ${URL}: socketioLatencyMs ${ms} ms` }),
  socketioFailed: (at: number): HealthMetric => failed('socketioLatencyMs', 'ms', `Socket.IO at ${URL} is not answering: timeout after 2000 ms`, at),
  ipc: (at: number, ms = 2): HealthMetric => rated('ipcLatencyMs', ms, 'ms', T.probeLatencyMs, at),
  ipcTimeout: (at: number): HealthMetric => failed('ipcLatencyMs', 'ms', 'the agent did not answer an IPC ping within 2000 ms', at),
  noAgent: (at: number): HealthMetric => unknown('ipcLatencyMs', 'ms', 'no agent has answered over IPC (attachAgent(io) from @mpm/agent adds service metrics)', at),
};

/** One round; its status is the worst of its metrics unless given. */
export function resultOf(metrics: readonly HealthMetric[], options: { generation?: number; readiness?: Readiness; status?: HealthCheckResult['status']; at?: number } = {}): HealthCheckResult {
  return {
    status: options.status ?? worstOf(metrics.map((metric) => metric.status)),
    readiness: options.readiness ?? 'ready',
    pid: PID,
    generation: options.generation ?? 1,
    metrics,
    checks: [],
    timestamp: options.at ?? 0,
    durationMs: 12,
  };
}

/** A child that serves: everything answered, nothing near a threshold. */
export function healthy(at: number, generation = 1): HealthCheckResult {
  const r = reading;
  return resultOf([r.running(at), r.cpu(at, 12), r.memory(at, 120), r.tcp(at), r.socketio(at), r.ipc(at), r.clients(at, 40)], { generation, at });
}

/** A blocked event loop: the process runs and the kernel accepts, but nothing answers. */
export function hung(at: number, generation = 1): HealthCheckResult {
  const r = reading;
  return resultOf([r.running(at, 'R'), r.cpu(at, 100), r.memory(at, 120), r.tcp(at), r.socketioFailed(at), r.ipcTimeout(at)], { generation, at });
}

/** A stopped process (SIGSTOP): the kernel still accepts, nothing answers. */
export function stopped(at: number, generation = 1): HealthCheckResult {
  const r = reading;
  return resultOf([r.processIs(at, 'T', 'stopped'), r.cpu(at, 0), r.memory(at, 120), r.tcp(at), r.socketioFailed(at), r.ipcTimeout(at)], { generation, at });
}

/** Memory over its critical level (past failureThreshold), everything else fine. */
export function memoryCritical(at: number, generation = 1): HealthCheckResult {
  const r = reading;
  return resultOf([r.running(at), r.cpu(at, 12), { ...r.memory(at, 612), breaches: 3 }, r.tcp(at), r.socketio(at), r.ipc(at), r.clients(at, 40)], { generation, at });
}

/** A busy child: CPU over its warning level, everything else fine. */
export function cpuWarning(at: number, generation = 1): HealthCheckResult {
  const r = reading;
  return resultOf([r.running(at), r.cpu(at, 85), r.memory(at, 120), r.tcp(at), r.socketio(at), r.ipc(at), r.clients(at, 40)], { generation, at });
}

/** CPU over its critical level (past failureThreshold), everything else fine. */
export function cpuCritical(at: number, generation = 1): HealthCheckResult {
  const r = reading;
  return resultOf([r.running(at), { ...r.cpu(at, 99), breaches: 3 }, r.memory(at, 120), r.tcp(at), r.socketio(at), r.ipc(at), r.clients(at, 40)], { generation, at });
}
