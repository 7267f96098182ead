import { describe, expect, it } from '@jest/globals';
import { DEFAULT_THRESHOLDS, failed, info, rated, type HealthCheckResult, type HealthMonitor } from '@mpm/health';
import type { StatusView } from '@mpm/http';
import { Registry } from 'prom-client';
import { registerHealthMetrics } from '../src/metrics/health-metrics.js';

const T = DEFAULT_THRESHOLDS;

function result(socketio: 'answered' | 'failed'): HealthCheckResult {
  const metrics = [
    info('processState', 'S', 'state', 0),
    rated('cpuPercent', 85, 'percent', T.cpuPercent, 0),
    info('heapUsedMb', 12, 'MiB', 0),
    rated('tcpLatencyMs', 2, 'ms', T.probeLatencyMs, 0),
    socketio === 'answered' ? rated('socketioLatencyMs', 40, 'ms', T.probeLatencyMs, 0) : failed('socketioLatencyMs', 'ms', 'not answering', 0),
  ];
  return { status: socketio === 'answered' ? 'warning' : 'critical', readiness: 'ready', pid: 7, generation: 1, metrics, checks: [], timestamp: 0, durationMs: 30 };
}

/** The monitor as the metrics see it: something that hands out results. */
function fakeMonitor(): { monitor: HealthMonitor; emit: (result: HealthCheckResult) => void } {
  const listeners: Array<(result: HealthCheckResult) => void> = [];
  const monitor = { onResult: (listener: (result: HealthCheckResult) => void) => (listeners.push(listener), () => undefined) } as unknown as HealthMonitor;
  return { monitor, emit: (result) => listeners.forEach((listener) => listener(result)) };
}

function viewWith(latest: HealthCheckResult): StatusView {
  return {
    name: 'chat',
    version: '0.1.0',
    now: 0,
    supervisor: { pid: 1, startedAt: 0, stopping: false },
    child: { state: 'running', pid: 7, generation: 1, startedAt: 0, restarts: 0, lastExit: null, respawnAt: null },
    health: { status: latest.status, latest },
    breaker: { state: 'closed', since: null, until: null, reason: null, opensInARow: 0, recentFailures: 0, failureThreshold: 5, exhausted: false },
    recovery: { enabled: true, gaveUp: false },
  };
}

describe('health metrics', () => {
  it('give each check that can fail its status, and /health verdict as check="overall"', async () => {
    const registry = new Registry();
    let latest = result('answered');
    registerHealthMetrics(registry, fakeMonitor().monitor, () => viewWith(latest));
    const text = await registry.getSingleMetricAsString('mpm_health_status');
    expect(text).toMatch(/^mpm_health_status\{check="cpuPercent"\} 2$/m);
    expect(text).toMatch(/^mpm_health_status\{check="processState"\} 0$/m);
    expect(text).toMatch(/^mpm_health_status\{check="overall"\} 2$/m);
    // Figures shown for the record (no thresholds) cannot fail: no series for them.
    expect(text).not.toMatch(/heapUsedMb/);
    latest = result('failed');
    const after = await registry.getSingleMetricAsString('mpm_health_status');
    expect(after).toMatch(/^mpm_health_status\{check="socketioLatencyMs"\} 3$/m);
    expect(after).toMatch(/^mpm_health_status\{check="overall"\} 3$/m);
  });

  it('give every metric of a user-defined check its status, and its value by check and unit', async () => {
    const registry = new Registry();
    const base = result('answered');
    const api = failed('api', 'ms', 'api: HTTP 503', 0);
    const queue = info('queue', 42, 'jobs', 0);
    const latest: HealthCheckResult = {
      ...base,
      metrics: [...base.metrics, api, queue],
      checks: [
        { name: 'api', status: 'critical', durationMs: 3, metrics: [api], userDefined: true },
        { name: 'queue', status: 'healthy', durationMs: 9, metrics: [queue], userDefined: true },
      ],
    };
    registerHealthMetrics(registry, fakeMonitor().monitor, () => viewWith(latest));
    const status = await registry.getSingleMetricAsString('mpm_health_status');
    expect(status).toMatch(/^mpm_health_status\{check="api"\} 3$/m);
    expect(status).toMatch(/^mpm_health_status\{check="queue"\} 0$/m);
    const values = await registry.getSingleMetricAsString('mpm_check_value');
    expect(values).toMatch(/^mpm_check_value\{check="queue",unit="jobs"\} 42$/m);
    // A check that measured nothing has no value, not a 0.
    expect(values).not.toMatch(/check="api"/);
  });

  it('time answered probes and count the ones that got no answer', async () => {
    const registry = new Registry();
    const { monitor, emit } = fakeMonitor();
    registerHealthMetrics(registry, monitor, () => viewWith(result('answered')));
    emit(result('answered'));
    emit(result('failed'));
    const probes = await registry.getSingleMetricAsString('mpm_probe_duration_seconds');
    expect(probes).toMatch(/^mpm_probe_duration_seconds_count\{probe="socketio"\} 1$/m);
    expect(probes).toMatch(/^mpm_probe_duration_seconds_count\{probe="tcp"\} 2$/m);
    const failures = await registry.getSingleMetricAsString('mpm_probe_failures_total');
    expect(failures).toMatch(/^mpm_probe_failures_total\{probe="socketio"\} 1$/m);
    expect(failures).toMatch(/^mpm_probe_failures_total\{probe="ipc"\} 0$/m);
    expect(await registry.getSingleMetricAsString('mpm_health_round_duration_seconds')).toMatch(/^mpm_health_round_duration_seconds_count 2$/m);
  });
});
