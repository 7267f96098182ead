import type { ClearPath, RecoveryHost } from '../host.js';
import type { Verification } from './phase-machine.js';
import type { Decision } from './phase.js';
import { clearedWording } from './records.js';

/** What the host made of a decision: done (verify it, from which child on), failed, or not done to that child. */
export type Performed = ({ readonly kind: 'done' } & Omit<Verification, 'deadline'>) | { readonly kind: 'failed'; readonly reason: string } | { readonly kind: 'stale'; readonly reason: string };

/**
 * Has the host do `decision`. An action the host reports failing (a rejected promise
 * included) is an outcome; a clear_connections call that throws at once is a bug and
 * throws on. A restart or kill that throws is taken as not done to that child.
 */
export async function perform(host: RecoveryHost, decision: Decision, path: ClearPath): Promise<Performed> {
  const { action, diagnosis } = decision;
  const generation = diagnosis.generation;
  if (action === 'clear_connections' && path !== null) {
    const outcome = await host.clearConnections(generation, path).catch((error: unknown) => ({ kind: 'failed' as const, reason: messageOf(error) }));
    return outcome.kind === 'failed' ? outcome : { kind: 'done', fromGeneration: generation, detail: clearedWording(outcome) };
  }
  try {
    const outcome = action === 'emergency_stop' ? await host.emergencyStop(generation, diagnosis.failureClass) : await host.restart(generation, diagnosis.restartVia);
    if (!outcome.done) return { kind: 'stale', reason: outcome.reason };
    return { kind: 'done', fromGeneration: generation + 1, detail: outcome.detail, hangReport: outcome.hangReport };
  } catch (error) {
    return { kind: 'stale', reason: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
