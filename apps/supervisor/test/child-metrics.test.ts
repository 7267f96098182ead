import { describe, expect, it } from '@jest/globals';
import { DEFAULT_THRESHOLDS, failed, info, rated, type HealthCheckResult } from '@mpm/health';
import type { StatusView } from '@mpm/http';
import { Registry } from 'prom-client';
import { registerChildMetrics } from '../src/metrics/child-metrics.js';

const NOW = 1_000_000;
const T = DEFAULT_THRESHOLDS;

function result(): HealthCheckResult {
  const metrics = [
    info('processState', 'S', 'state', NOW),
    rated('cpuPercent', 12.5, 'percent', T.cpuPercent, NOW),
    rated('memoryMb', 64, 'MiB', T.memoryMb, NOW),
    rated('openFds', 31, 'count', T.openFds, NOW),
    rated('eventLoopLagMs', 250, 'ms', T.eventLoopLagMs, NOW),
    failed('socketioLatencyMs', 'ms', 'not answering', NOW),
  ];
  return { status: 'critical', readiness: 'ready', pid: 7, generation: 2, metrics, checks: [], timestamp: NOW, durationMs: 3 };
}

function view(over: { state?: string; restarts?: number; latest?: HealthCheckResult }): StatusView {
  const running = (over.state ?? 'running') === 'running';
  return {
    name: 'chat',
    version: '0.1.0',
    now: NOW,
    supervisor: { pid: 1, startedAt: 0, stopping: false },
    child: { state: over.state ?? 'running', pid: running ? 7 : null, generation: 2, startedAt: running ? NOW - 30_000 : null, restarts: over.restarts ?? 0, lastExit: null, respawnAt: null },
    health: { status: over.latest?.status ?? 'unknown', latest: over.latest },
    breaker: { state: 'closed', since: null, until: null, reason: null, opensInARow: 0, recentFailures: 0, failureThreshold: 5, exhausted: false },
    recovery: { enabled: true, gaveUp: false },
  };
}

async function scrape(registry: Registry): Promise<Record<string, string>> {
  const text = await registry.metrics();
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(' ') as [string, string]),
  );
}

describe('child metrics', () => {
  it('read the latest round in base units while the child runs', async () => {
    const registry = new Registry();
    registerChildMetrics(registry, () => view({ latest: result() }));
    const values = await scrape(registry);
    expect(values).toMatchObject({
      mpm_child_up: '1',
      mpm_child_ready: '0',
      mpm_child_uptime_seconds: '30',
      mpm_child_cpu_percent: '12.5',
      mpm_child_memory_rss_bytes: String(64 * 1024 * 1024),
      mpm_child_open_fds: '31',
      mpm_child_event_loop_lag_seconds: '0.25',
      // Not measured this round (no agent): a gap, not a zero (prom-client writes NaN as "Nan").
      mpm_socketio_clients: expect.stringMatching(/^nan$/i),
      mpm_child_threads: expect.stringMatching(/^nan$/i),
    });
  });

  it('show no measurement while the child is down, and count restarts as they happen', async () => {
    let current = view({ state: 'backoff', restarts: 0, latest: result() });
    const registry = new Registry();
    registerChildMetrics(registry, () => current);
    expect(await scrape(registry)).toMatchObject({ mpm_child_up: '0', mpm_child_restarts_total: '0', mpm_child_cpu_percent: expect.stringMatching(/^nan$/i), mpm_child_uptime_seconds: '0' });
    current = view({ restarts: 3, latest: result() });
    expect((await scrape(registry))['mpm_child_restarts_total']).toBe('3');
    expect((await scrape(registry))['mpm_child_restarts_total']).toBe('3');
  });
});
