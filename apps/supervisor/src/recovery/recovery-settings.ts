import type { Config } from '@mpm/config';
import type { RecoverySettings } from '@mpm/recovery';

/** The recovery.* keys, with the child.* keys of the crash backoff, as the manager takes them. */
export function recoverySettingsFrom(config: Config): RecoverySettings {
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
  });
}

/** The keys a reload must hand to the manager. */
export const RECOVERY_KEYS = ['recovery', 'child.restartDelayMs', 'child.maxRestartDelayMs', 'child.minUptimeMs'] as const;
