import type { RespawnPlan } from '../crash-backoff.js';
import { decisionFields } from '../decision-log.js';
import type { ExitFacts } from '../diagnose.js';
import type { RecoveryEvent, RecoveryResult } from '../event.js';
import type { ClearOutcome } from '../host.js';
import type { Decision } from './phase.js';

/** What a record needs of its decision; a decision that never acted has one made up on the spot. */
export type RecordHead = Pick<Decision, 'id' | 'diagnosis' | 'action' | 'decidedAt' | 'breaker'>;

/** `extra`: a skip's reason, a hang report; left out of the record when undefined. */
export function recordOf(head: RecordHead, result: RecoveryResult, detail: string, now: number, extra: Pick<RecoveryEvent, 'skip' | 'hangReport'> = {}): RecoveryEvent {
  const { skip, hangReport } = extra;
  return {
    ...decisionFields(head.id, head.diagnosis, head.action, head.decidedAt),
    breaker: head.breaker,
    result,
    ...(skip === undefined ? {} : { skip }),
    detail,
    durationMs: Math.max(0, now - head.decidedAt),
    ...(hangReport === undefined ? {} : { hangReport }),
  };
}

/** "was killed by SIGSEGV", "exited with code 1". */
export function exitWording(exit: ExitFacts): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
}

export function notHealthyInTime(verifyTimeoutMs: number): string {
  return `the child was not healthy within verifyTimeoutMs (${verifyTimeoutMs} ms)`;
}

/** What a clear_connections that went out did. */
export function clearedWording(outcome: Exclude<ClearOutcome, { kind: 'failed' }>): string {
  return outcome.kind === 'cleared' ? `the agent disconnected ${outcome.disconnected} client(s)` : `sent ${outcome.signal} to the child`;
}

/** A respawn as it is decided: "respawn in 100 ms (attempt 2)". */
export function respawnPlanned(plan: RespawnPlan): string {
  return `respawn ${plan.delayMs === 0 ? 'at once' : `in ${plan.delayMs} ms`} (attempt ${plan.attempt})`;
}

/** A respawn the host has taken on. */
export function respawned(plan: RespawnPlan, enabled: boolean): string {
  return `respawned ${plan.delayMs === 0 ? 'at once' : `after ${plan.delayMs} ms`} (attempt ${plan.attempt})${enabled ? '' : '; recovery is disabled, so no circuit breaker'}`;
}
