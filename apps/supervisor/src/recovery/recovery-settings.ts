import type { Config } from '@mpm/config';
import type { RecoverySettings } from '@mpm/recovery';

/**
 * The recovery.* keys, with the child.* keys of the crash backoff, and what the leak guard
 * needs (memoryMb thresholds, child.maxMemoryMb, the cgroup's limit, the ladder's pace).
 */
export function recoverySettingsFrom(config: Config, cgroupMaxMb: number | null = null): RecoverySettings {
  const { enabled, failureWindowMs, minActionIntervalMs, verifyTimeoutMs, circuitBreaker } = config.recovery;
  return Object.freeze({
    enabled,
    failureWindowMs,
    minActionIntervalMs,
    verifyTimeoutMs,
    circuitBreaker: Object.freeze({ ...circuitBreaker, failureWindowMs }),
    crashBackoff: Object.freeze({
      initialDelayMs: config.child.restartDelayMs,
      maxDelayMs: config.child.maxRestartDelayMs,
      minUptimeMs: config.child.minUptimeMs,
    }),
    leaks: Object.freeze({
      criticalMb: config.health.thresholds.memoryMb.critical,
      limitMb: config.child.maxMemoryMb,
      cgroupMaxMb,
      checkIntervalMs: config.health.checkIntervalMs,
      failureThreshold: config.health.failureThreshold,
      minActionIntervalMs,
    }),
    // How far each user-defined check may take recovery: its maxAction.
    checkCeilings: Object.freeze(Object.fromEntries(config.health.custom.map((check) => [check.name, check.maxAction]))),
  });
}

/** The keys a reload must hand to the manager. */
export const RECOVERY_KEYS = ['recovery', 'child.restartDelayMs', 'child.maxRestartDelayMs', 'child.minUptimeMs', 'child.maxMemoryMb', 'health'] as const;
