import type { RecoverySettings } from '../src/index.js';

/** The documented defaults (docs/design.md §5), as the manager tests run them. */
export const SETTINGS: RecoverySettings = {
  enabled: true,
  failureWindowMs: 300_000,
  minActionIntervalMs: 10_000,
  verifyTimeoutMs: 30_000,
  circuitBreaker: { failureThreshold: 5, failureWindowMs: 300_000, timeoutMs: 300_000, successThreshold: 3, maxOpenCycles: 3 },
  crashBackoff: { initialDelayMs: 100, maxDelayMs: 30_000, minUptimeMs: 10_000 },
};
