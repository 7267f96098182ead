import { afterEach, describe, expect, it } from '@jest/globals';
import { RecoveryManager, type RecoveryHost, type RecoverySettings } from '@mpm/recovery';
import { Registry } from 'prom-client';
import { registerRecoveryMetrics } from '../src/metrics/recovery-metrics.js';

const settings: RecoverySettings = {
  enabled: true,
  failureWindowMs: 300_000,
  minActionIntervalMs: 10_000,
  verifyTimeoutMs: 30_000,
  circuitBreaker: { failureThreshold: 2, failureWindowMs: 300_000, timeoutMs: 300_000, successThreshold: 3, maxOpenCycles: 3 },
  crashBackoff: { initialDelayMs: 100, maxDelayMs: 30_000, minUptimeMs: 10_000 },
};

/** Respawns on paper: the metrics only need the manager's decisions. */
const host: RecoveryHost = {
  clearPath: () => null,
  clearConnections: async () => ({ kind: 'failed', reason: 'not used' }),
  restart: async () => ({ done: true, detail: 'restarted' }),
  emergencyStop: async () => ({ done: true, detail: 'killed' }),
  respawn: () => true,
  giveUp: () => undefined,
};

const managers: RecoveryManager[] = [];
afterEach(() => managers.splice(0).forEach((manager) => manager.close()));

function crash(manager: RecoveryManager, generation: number): void {
  manager.handleExit({ pid: 1000 + generation, generation, code: 1, signal: null, uptimeMs: 50, expected: false });
}

describe('recovery metrics', () => {
  it('count decisions by action, result and failure class, and show the breaker state at scrape time', async () => {
    const manager = new RecoveryManager({ host, settings });
    managers.push(manager);
    const registry = new Registry();
    registerRecoveryMetrics(registry, manager);
    expect(await registry.getSingleMetricAsString('mpm_circuit_breaker_state')).toMatch(/^mpm_circuit_breaker_state 0$/m);

    // A crash loop: a quick crash, then a respawned child that dies before it is healthy;
    // two failures open the breaker, and the child stays down.
    crash(manager, 1);
    crash(manager, 2);

    const text = await registry.metrics();
    expect(text).toMatch(/^mpm_recovery_actions_total\{action="restart_service",result="failed",failure_class="crashed"\} 1$/m);
    expect(text).toMatch(/^mpm_recovery_actions_total\{action="restart_service",result="blocked",failure_class="crashed"\} 1$/m);
    expect(text).toMatch(/^mpm_circuit_breaker_state 2$/m);
    expect(text).toMatch(/^mpm_circuit_breaker_opens_total 1$/m);
    expect(text).toMatch(/^# HELP mpm_circuit_breaker_state .*0 closed, 1 half_open, 2 open/m);
  });
});
