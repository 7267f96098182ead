import type { BreakerSettings } from './breaker/breaker-state.js';
import type { CheckCeilings } from './check-failures.js';
import type { BackoffSettings } from './crash-backoff.js';
import type { LeakGuardSettings } from './leaks/forecast.js';

/** The recovery.* config keys (docs/design.md §5), with the child.* keys of the crash backoff. */
export interface RecoverySettings {
  /** false: decide and log, but do nothing to the child (crashes are still respawned). */
  readonly enabled: boolean;
  readonly failureWindowMs: number;
  readonly minActionIntervalMs: number;
  readonly verifyTimeoutMs: number;
  readonly circuitBreaker: BreakerSettings;
  readonly crashBackoff: BackoffSettings;
  /** How fast leaks are judged between rounds; absent: only the rounds judge memory. */
  readonly leaks?: LeakGuardSettings;
  /** The user-defined checks (health.custom) by name, each with the highest action it may lead to (its maxAction). */
  readonly checkCeilings?: CheckCeilings;
}
