import type { ServiceStats } from '@mpm/protocol';
import type { CheckContext, HealthChecker } from '../checker.js';
import { failed, info, rated, unknown, type HealthMetric } from '../metric.js';
import type { HealthTarget } from '../target.js';

const MINUTE_MS = 60_000;
const MIB = 1024 * 1024;

interface Sample {
  readonly at: number;
  readonly eventsTotal: number;
  readonly errorsTotal: number;
}

/**
 * The service as the agent inside it reports it over IPC (docs/design.md §3): clients, events/s,
 * errors per minute, event-loop lag, heap, time since the last event, and the IPC round
 * trip itself. A child without an IPC channel has nothing to say here; a child whose
 * agent has not answered yet is `unknown`; an agent that stops answering is critical.
 */
export class ServiceChecker implements HealthChecker {
  readonly name = 'service';
  readonly probe = true;
  readonly metrics = ['ipcLatencyMs', 'clients', 'eventsPerSecond', 'errorsPerMinute', 'errorsTotal', 'eventLoopLagMs', 'heapUsedMb', 'secondsSinceLastEvent'] as const;
  #generation = -1;
  /** Pongs of the last minute and a bit, oldest first, for the rates. */
  #samples: Sample[] = [];

  async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
    const agent = target.agent;
    if (agent === undefined) return [];
    if (target.generation !== this.#generation) {
      this.#generation = target.generation;
      this.#samples = [];
    }
    if (!agent.present) {
      // Not known to run the agent: ask, but do not hold the round for an answer that may
      // never come; a pong marks the agent present and the next round waits for it.
      void agent.ping(context.timeoutMs);
      return [unknown('ipcLatencyMs', 'ms', 'no agent has answered over IPC (attachAgent(io) from @mpm/agent adds service metrics)', context.now())];
    }
    const outcome = await agent.ping(context.timeoutMs);
    const at = context.now();
    switch (outcome.kind) {
      case 'unavailable':
        return [unknown('ipcLatencyMs', 'ms', `no IPC to the child: ${outcome.reason}`, at)];
      case 'timeout':
        return [failed('ipcLatencyMs', 'ms', `the agent did not answer an IPC ping within ${outcome.afterMs} ms`, at)];
      case 'pong':
        return this.#metrics(outcome.stats, outcome.latencyMs, context, at);
    }
  }

  #metrics(stats: ServiceStats, latencyMs: number, context: CheckContext, at: number): HealthMetric[] {
    const { thresholds } = context;
    const previous = this.#samples.at(-1);
    const sample: Sample = { at, eventsTotal: stats.eventsTotal, errorsTotal: stats.errorsTotal };
    this.#remember(sample);
    // Since the previous pong; for the first one, since the agent started.
    const eventsPerSecond =
      previous === undefined ? stats.eventsTotal / Math.max(stats.uptimeSeconds, 1) : Math.max(0, stats.eventsTotal - previous.eventsTotal) / Math.max((at - previous.at) / 1000, 0.001);
    const metrics = [
      rated('ipcLatencyMs', latencyMs, 'ms', thresholds.probeLatencyMs, at),
      rated('clients', stats.clients, 'count', thresholds.clients, at),
      info('eventsPerSecond', eventsPerSecond, 'per second', at),
      rated('errorsPerMinute', this.#errorsInLastMinute(stats, at), 'per minute', thresholds.errorsPerMinute, at),
      info('errorsTotal', stats.errorsTotal, 'count', at),
      rated('eventLoopLagMs', stats.eventLoopLagMs, 'ms', thresholds.eventLoopLagMs, at),
      info('heapUsedMb', stats.heapUsedBytes / MIB, 'MiB', at),
      info('secondsSinceLastEvent', stats.lastEventAt === null ? null : Math.max(0, (Date.now() - stats.lastEventAt) / 1000), 'seconds', at),
    ];
    return metrics;
  }

  /**
   * Errors counted in the last minute: the total now minus the total a minute ago (or at
   * the agent's start, when it is younger than that). Not a per-interval rate scaled up,
   * which would call a single error at a 1 s interval "60 per minute".
   */
  #errorsInLastMinute(stats: ServiceStats, at: number): number {
    let baseline: Sample | undefined;
    for (const sample of this.#samples) if (sample.at <= at - MINUTE_MS) baseline = sample;
    if (baseline !== undefined) return Math.max(0, stats.errorsTotal - baseline.errorsTotal);
    // Less than a minute of pongs: a young agent's total is its last minute; an older
    // one's errors before our first pong are not ours to date.
    const agentYoung = stats.uptimeSeconds * 1000 <= MINUTE_MS;
    return agentYoung ? stats.errorsTotal : Math.max(0, stats.errorsTotal - (this.#samples[0]?.errorsTotal ?? 0));
  }

  #remember(sample: Sample): void {
    this.#samples.push(sample);
    // Keep one sample older than a minute as the baseline, drop the rest of the old ones.
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? Infinity) <= sample.at - MINUTE_MS) this.#samples.shift();
  }
}
