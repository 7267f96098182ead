import { describe, expect, it } from '@jest/globals';
import { applyMemoryLimit, rated, unknown, DEFAULT_THRESHOLDS, type HealthMetric } from '@mpm/health';
import { countsAsHealthy, diagnose, diagnoseExit, type Diagnosis } from '../src/index.js';
import { PID, healthy, reading as r, resultOf } from './results.js';

const AT = 1_000_000;

/** What the no-flapping rule makes of a critical reading below failureThreshold. */
function breaching(metric: HealthMetric, breaches: number, failureThreshold = 3): HealthMetric {
  return { ...metric, status: 'warning', breaches, message: `${metric.message} (${breaches} of ${failureThreshold} in a row before critical)` };
}

function diagnosed(metrics: HealthMetric[], options: Parameters<typeof resultOf>[1] = {}): Diagnosis {
  const diagnosis = diagnose(resultOf(metrics, { generation: 7, ...options }));
  if (diagnosis === undefined) throw new Error('expected a diagnosis');
  return diagnosis;
}

describe('diagnose: liveness', () => {
  it('calls a blocked loop hung: killed at once (it could not run a stop handler)', () => {
    const socketio = r.socketioFailed(AT);
    const ipc = r.ipcTimeout(AT);
    const diagnosis = diagnosed([r.running(AT), r.cpu(AT, 100), r.memory(AT, 130), r.tcp(AT), socketio, ipc]);
    expect(diagnosis).toMatchObject({
      failureClass: 'hung',
      severity: 'critical',
      floor: 'emergency_stop',
      ceiling: 'emergency_stop',
      restartVia: 'signal',
      thresholds: [],
      generation: 7,
      pid: PID,
    });
    expect(diagnosis.reason).toContain(socketio.message);
    expect(diagnosis.reason).toContain(ipc.message);
    expect(diagnosis.metrics.map((metric) => metric.name).sort()).toEqual(['cpuPercent', 'ipcLatencyMs', 'socketioLatencyMs']);
  });

  it('calls a child without an agent hung when Socket.IO does not answer', () => {
    expect(diagnosed([r.running(AT), r.tcp(AT), r.socketioFailed(AT), r.noAgent(AT)])).toMatchObject({ failureClass: 'hung', restartVia: 'signal' });
  });

  it('calls a child hung when nothing answers, its port included', () => {
    expect(diagnosed([r.running(AT), r.tcpRefused(AT), r.socketioFailed(AT), r.ipcTimeout(AT)]).failureClass).toBe('hung');
  });

  it('calls state T stopped, to be restarted by signal', () => {
    const diagnosis = diagnosed([r.processIs(AT, 'T', 'stopped'), r.tcp(AT), r.socketioFailed(AT), r.ipcTimeout(AT)]);
    expect(diagnosis).toMatchObject({ failureClass: 'stopped', floor: 'restart_service', ceiling: 'emergency_stop', restartVia: 'signal' });
    expect(diagnosis.reason).toContain(`process ${PID} is T (stopped)`);
  });

  it('calls a child stopped when its probes are critical a round before its state T is (stopped between two rounds)', () => {
    const state = breaching(r.processIs(AT, 'T', 'stopped'), 2);
    const diagnosis = diagnosed([state, r.tcp(AT), r.socketioFailed(AT), r.ipcTimeout(AT)]);
    expect(diagnosis).toMatchObject({ failureClass: 'stopped', floor: 'restart_service', restartVia: 'signal' });
    expect(diagnosis.reason).toContain(`process ${PID} is T (stopped)`);
    expect(diagnosis.metrics.map((metric) => metric.name)).toContain('processState');
  });

  it('calls a child crashed when its probes are critical and its state Z is still on its way', () => {
    const state = breaching(r.processIs(AT, 'Z', 'zombie'), 1);
    expect(diagnosed([state, r.tcpRefused(AT), r.socketioFailed(AT), r.ipcTimeout(AT)]).failureClass).toBe('crashed');
  });

  it('calls a refused port with an agent that answers port_closed, to be restarted by message', () => {
    const tcp = r.tcpRefused(AT);
    const diagnosis = diagnosed([r.running(AT), tcp, r.socketioFailed(AT), r.ipc(AT)]);
    expect(diagnosis).toMatchObject({ failureClass: 'port_closed', floor: 'restart_service', ceiling: 'emergency_stop', restartVia: 'message' });
    expect(diagnosis.reason).toContain(tcp.message);
  });

  it('calls a refused port without an agent port_closed', () => {
    expect(diagnosed([r.running(AT), r.tcpRefused(AT), r.socketioFailed(AT), r.noAgent(AT)]).failureClass).toBe('port_closed');
  });

  it('calls a child that never became ready startup_timeout', () => {
    const diagnosis = diagnosed([r.running(AT), r.tcpRefused(AT), r.socketioFailed(AT), r.noAgent(AT)], { readiness: 'startup_timeout' });
    expect(diagnosis).toMatchObject({ failureClass: 'startup_timeout', floor: 'restart_service', ceiling: 'emergency_stop', restartVia: 'signal' });
  });

  it.each([
    ['gone', r.gone(AT)],
    ['a zombie', r.processIs(AT, 'Z', 'zombie')],
  ])('calls a process that is %s crashed', (_name, state) => {
    expect(diagnosed([state]).failureClass).toBe('crashed');
  });

  it('classifies a critical result from its critical metrics: liveness over a resource', () => {
    const diagnosis = diagnosed([r.running(AT), r.memory(AT, 450), r.tcp(AT), r.socketioFailed(AT), r.ipcTimeout(AT)]);
    expect(diagnosis.failureClass).toBe('hung');
    expect(diagnosis.reason).not.toContain('memoryMb');
  });
});

describe('diagnose: resources', () => {
  it('names memoryMb, starts at clear_connections (its warning was logged rounds ago) and may go up to restart_service', () => {
    const memory = r.memory(AT, 612);
    const diagnosis = diagnosed([r.running(AT), r.cpu(AT, 10), memory, r.tcp(AT), r.socketio(AT), r.ipc(AT)]);
    expect(diagnosis).toMatchObject({
      failureClass: 'resource',
      severity: 'critical',
      thresholds: ['memoryMb'],
      floor: 'clear_connections',
      ceiling: 'restart_service',
      restartVia: 'message',
      reason: memory.message,
    });
    expect(diagnosis.metrics).toEqual([{ name: 'memoryMb', value: 612, unit: 'MiB', status: 'critical', message: 'memoryMb 612 MiB ≥ critical 500 MiB' }]);
  });

  it('restarts at once a child over its hard memory limit (child.maxMemoryMb), below the critical threshold too', () => {
    const [overLimit] = applyMemoryLimit([r.memory(AT, 230)], 200);
    if (overLimit === undefined) throw new Error('expected a metric');
    const diagnosis = diagnosed([r.running(AT), r.cpu(AT, 10), overLimit, r.tcp(AT), r.socketio(AT), r.ipc(AT)]);
    expect(diagnosis).toMatchObject({
      failureClass: 'resource',
      severity: 'critical',
      thresholds: ['memoryMb'],
      floor: 'restart_service',
      ceiling: 'restart_service',
      restartVia: 'message',
      reason: 'memoryMb 230 MiB ≥ limit 200 MiB (child.maxMemoryMb)',
    });
  });

  it('never lets a busy server (cpuPercent, clients) go past clear_connections', () => {
    const diagnosis = diagnosed([r.running(AT), r.cpu(AT, 98), r.clients(AT, 1500), r.memory(AT, 120), r.tcp(AT), r.socketio(AT), r.ipc(AT)]);
    expect(diagnosis).toMatchObject({ failureClass: 'resource', thresholds: ['cpuPercent', 'clients'], ceiling: 'clear_connections' });
  });

  it('takes the highest ceiling of the thresholds breached', () => {
    const diagnosis = diagnosed([r.running(AT), r.cpu(AT, 98), r.memory(AT, 700), r.tcp(AT), r.socketio(AT), r.ipc(AT)]);
    expect(diagnosis).toMatchObject({ failureClass: 'resource', thresholds: ['cpuPercent', 'memoryMb'], ceiling: 'restart_service' });
  });

  it('calls a slowly answering Socket.IO a resource (lag), not a liveness failure', () => {
    const slow = rated('socketioLatencyMs', 2500, 'ms', DEFAULT_THRESHOLDS.probeLatencyMs, AT);
    const diagnosis = diagnosed([r.running(AT), r.tcp(AT), slow, r.ipc(AT)]);
    expect(diagnosis).toMatchObject({ failureClass: 'resource', thresholds: ['socketioLatencyMs'], floor: 'clear_connections', ceiling: 'restart_service' });
  });
});

describe('diagnose: warnings', () => {
  it('calls a threshold warning a resource warning that only ever logs', () => {
    const memory = r.memory(AT, 450);
    expect(diagnosed([r.running(AT), memory, r.tcp(AT), r.socketio(AT), r.ipc(AT)])).toMatchObject({
      failureClass: 'resource',
      severity: 'warning',
      thresholds: ['memoryMb'],
      floor: 'log_warning',
      ceiling: 'log_warning',
      reason: memory.message,
    });
  });

  it('keeps a busy server (cpuPercent 85 ≥ warning 80) at log_warning too', () => {
    const cpu = r.cpu(AT, 85);
    expect(cpu).toMatchObject({ status: 'warning', message: 'cpuPercent 85 % ≥ warning 80 %' });
    expect(cpu.breaches).toBeUndefined();
    expect(diagnosed([r.running(AT), cpu, r.tcp(AT), r.socketio(AT), r.ipc(AT)])).toMatchObject({
      failureClass: 'resource',
      severity: 'warning',
      thresholds: ['cpuPercent'],
      floor: 'log_warning',
      ceiling: 'log_warning',
      reason: cpu.message,
    });
  });

  it('diagnoses a threshold warning even beside a resource breach on its way to critical', () => {
    const memory = breaching(r.memory(AT, 612), 1);
    const diagnosis = diagnosed([r.running(AT), r.cpu(AT, 85), memory, r.tcp(AT), r.socketio(AT), r.ipc(AT)]);
    // The breach is left out: it is on its way to critical and will be diagnosed as that.
    expect(diagnosis).toMatchObject({ failureClass: 'resource', severity: 'warning', thresholds: ['cpuPercent'], ceiling: 'log_warning' });
    expect(diagnosis.reason).not.toContain('in a row before critical');
  });

  it('names a threshold warning beside liveness breaches by its threshold, still only to log', () => {
    const metrics = [r.running(AT), r.memory(AT, 450), r.tcp(AT), breaching(r.socketioFailed(AT), 2), breaching(r.ipcTimeout(AT), 2)];
    expect(diagnosed(metrics)).toMatchObject({ failureClass: 'resource', severity: 'warning', thresholds: ['memoryMb'], floor: 'log_warning', ceiling: 'log_warning' });
  });

  it.each([
    ['cpuPercent critical, 1 of 3 before critical', [r.running(AT), breaching(r.cpu(AT, 99), 1), r.tcp(AT), r.socketio(AT), r.ipc(AT)]],
    ['memoryMb critical, 2 of 3 before critical', [r.running(AT), r.cpu(AT, 12), breaching(r.memory(AT, 612), 2), r.tcp(AT), r.socketio(AT), r.ipc(AT)]],
    ['cpuPercent and memoryMb critical, 1 of 3 before critical', [r.running(AT), breaching(r.cpu(AT, 99), 1), breaching(r.memory(AT, 612), 1), r.tcp(AT), r.socketio(AT), r.ipc(AT)]],
    ['Socket.IO failing once while IPC answers', [r.running(AT), r.tcp(AT), breaching(r.socketioFailed(AT), 1), r.ipc(AT)]],
    ['Socket.IO and IPC failing twice', [r.running(AT), r.tcp(AT), breaching(r.socketioFailed(AT), 2), breaching(r.ipcTimeout(AT), 2)]],
    ['the port refused once, with a resource breach beside it', [r.running(AT), breaching(r.tcpRefused(AT), 1), breaching(r.memory(AT, 700), 1), r.socketio(AT), r.ipc(AT)]],
  ])('leaves a breach on its way to critical to the health log: %s', (_name, metrics) => {
    const result = resultOf(metrics);
    expect(result.status).toBe('warning');
    expect(diagnose(result)).toBeUndefined();
  });

  it('diagnoses the same metric once its breaches reach critical', () => {
    const memory = { ...r.memory(AT, 612), breaches: 3 };
    expect(diagnosed([r.running(AT), r.cpu(AT, 12), memory, r.tcp(AT), r.socketio(AT), r.ipc(AT)])).toMatchObject({
      failureClass: 'resource',
      severity: 'critical',
      thresholds: ['memoryMb'],
      ceiling: 'restart_service',
    });
  });
});

describe('diagnose: nothing to act on', () => {
  it('finds nothing wrong with a healthy child', () => {
    expect(diagnose(healthy(AT))).toBeUndefined();
  });

  it('finds nothing wrong with a child that is starting', () => {
    const starting: HealthMetric = { ...r.tcpRefused(AT), status: 'starting', message: 'not ready yet: port 127.0.0.1:3000 is not accepting connections' };
    expect(diagnose(resultOf([r.running(AT), starting, r.noAgent(AT)], { readiness: 'starting' }))).toBeUndefined();
  });

  it('finds nothing wrong when nothing could be measured', () => {
    const metrics = [unknown('processState', 'state', 'no /proc on this system', AT), unknown('cpuPercent', 'percent', 'pidusage could not read the process', AT), r.noAgent(AT)];
    const result = resultOf(metrics);
    expect(result.status).toBe('unknown');
    expect(diagnose(result)).toBeUndefined();
  });
});

describe('diagnoseExit', () => {
  it('calls an exit with a code crashed, to be respawned', () => {
    expect(diagnoseExit({ pid: PID, generation: 3, code: 1, signal: null, uptimeMs: 1200 })).toEqual({
      failureClass: 'crashed',
      severity: 'critical',
      reason: `child ${PID} exited with code 1 after 1200 ms up`,
      metrics: [{ name: 'exit', value: 1, unit: 'code', status: 'critical', message: `child ${PID} exited with code 1 after 1200 ms up` }],
      thresholds: [],
      floor: 'restart_service',
      ceiling: 'restart_service',
      restartVia: 'signal',
      generation: 3,
      pid: PID,
    });
  });

  it('names the signal that killed the child', () => {
    const diagnosis = diagnoseExit({ pid: PID, generation: 3, code: null, signal: 'SIGSEGV', uptimeMs: 45_000 });
    expect(diagnosis.failureClass).toBe('crashed');
    expect(diagnosis.reason).toBe(`child ${PID} killed by SIGSEGV after 45000 ms up`);
    expect(diagnosis.metrics[0]).toMatchObject({ name: 'exit', value: 'SIGSEGV', unit: 'signal' });
  });
});

describe('countsAsHealthy', () => {
  it('counts a healthy, ready child', () => {
    expect(countsAsHealthy(healthy(AT))).toBe(true);
  });

  it('counts a busy child over a warning threshold', () => {
    const result = resultOf([r.running(AT), r.cpu(AT, 85), r.tcp(AT), r.socketio(AT), r.ipc(AT)]);
    expect(result.status).toBe('warning');
    expect(countsAsHealthy(result)).toBe(true);
  });

  it('does not count a warning that is a breach on its way to critical', () => {
    const result = resultOf([r.running(AT), r.tcp(AT), breaching(r.socketioFailed(AT), 1), r.ipc(AT)]);
    expect(result.status).toBe('warning');
    expect(countsAsHealthy(result)).toBe(false);
  });

  it('does not count a child that is not ready yet', () => {
    expect(countsAsHealthy({ ...healthy(AT), readiness: 'starting' })).toBe(false);
  });

  it('does not count a critical child', () => {
    expect(countsAsHealthy(resultOf([r.running(AT), r.memory(AT, 700), r.tcp(AT)]))).toBe(false);
  });
});
