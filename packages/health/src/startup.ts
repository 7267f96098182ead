import type { HealthMetric } from './metric.js';
import type { Readiness } from './status.js';

/** What a round tells the startup gate. */
export interface StartupEvidence {
  /** Readings before the no-flapping rule. */
  readonly raw: readonly HealthMetric[];
  /** The agent said `mpm:ready`. */
  readonly agentReady: boolean;
  /** A probe (TCP, Socket.IO, IPC) answered this round. */
  readonly probeAnswered: boolean;
  /** There is something to probe: a known port, or an agent that has spoken. */
  readonly canProbe: boolean;
}

/**
 * The startup rule of docs/design.md §3. A new child is ready once its agent says `mpm:ready` or
 * a probe answers (or, with nothing to probe, once nothing is critical); until then
 * failing probes mean `starting`, and past `startupTimeoutMs` they count as critical.
 * Ready is for the child's lifetime.
 */
export class StartupGate {
  readonly #startedAt: number;
  #readyAt: number | undefined;

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  get readyAt(): number | undefined {
    return this.#readyAt;
  }

  /** Where the child is, given this round's readings (before the no-flapping rule). */
  assess(evidence: StartupEvidence, now: number, startupTimeoutMs: number): Readiness {
    const { raw, agentReady, probeAnswered, canProbe } = evidence;
    const nothingCritical = !raw.some((metric) => metric.status === 'critical');
    if (this.#readyAt === undefined && (agentReady || probeAnswered || (!canProbe && nothingCritical))) {
      this.#readyAt = now;
    }
    if (this.#readyAt !== undefined) return 'ready';
    return now - this.#startedAt >= startupTimeoutMs ? 'startup_timeout' : 'starting';
  }
}

/** While starting, what would be critical is `starting` instead, and says so. */
export function asStarting(metrics: readonly HealthMetric[], raw: readonly HealthMetric[]): HealthMetric[] {
  return metrics.map((metric, index) => (raw[index]?.status === 'critical' ? { ...metric, status: 'starting', message: `not ready yet: ${raw[index]?.message ?? metric.message}` } : metric));
}
