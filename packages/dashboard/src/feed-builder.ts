import type { HealthCheckResult } from '@mpm/health';
import { healthVerdict } from '@mpm/http';
import type { DashboardSource } from './dashboard-source.js';
import type { FeedCheck, FeedSample, FeedSnapshot, FeedState, FeedUpdate, TimelineEntry } from './feed.js';

/** The page's state document, read from the source now. */
export function feedState(source: Pick<DashboardSource, 'view' | 'settings'>): FeedState {
  const view = source.view();
  const settings = source.settings();
  const verdict = healthVerdict(view);
  const { child, breaker } = view;
  return {
    name: view.name,
    version: view.version,
    now: view.now,
    supervisor: { ...view.supervisor },
    overall: { status: verdict.status, output: verdict.output ?? null },
    health: view.health.status,
    child: { ...child },
    checks:
      view.health.latest?.metrics.map(({ name, value, unit, status, thresholds, message }): FeedCheck => ({
        name,
        value,
        unit,
        status,
        thresholds: thresholds === null ? null : { ...thresholds },
        message,
      })) ?? [],
    breaker: {
      state: breaker.state,
      since: breaker.since,
      until: breaker.until,
      reason: breaker.reason,
      recentFailures: breaker.recentFailures,
      failureThreshold: breaker.failureThreshold,
      opensInARow: breaker.opensInARow,
      exhausted: breaker.exhausted,
    },
    recovery: { ...view.recovery },
    checkIntervalMs: settings.intervalMs,
    thresholds: Object.fromEntries(Object.entries(settings.thresholds).map(([name, pair]) => [name, { warning: pair.warning, critical: pair.critical }])),
    memoryLimitMb: settings.memoryLimitMb ?? null,
  };
}

/** One kept round as a chart point: its numeric metrics only. */
export function feedSample(result: HealthCheckResult): FeedSample {
  const values: Record<string, number | null> = {};
  for (const metric of result.metrics) {
    if (typeof metric.value === 'number' || metric.value === null) values[metric.name] = metric.value;
  }
  return { at: result.timestamp, generation: result.generation, status: result.status, values };
}

/**
 * What one stream has sent: a snapshot first, then updates with only what is new. Rounds
 * are told apart by their start time (they never overlap), timeline entries by their id.
 */
export class FeedCursor {
  readonly #source: DashboardSource;
  #lastSampleAt = -Infinity;
  #lastEntryId = 0;

  constructor(source: DashboardSource) {
    this.#source = source;
  }

  snapshot(): FeedSnapshot {
    const history = this.#source.history();
    const timeline = this.#source.timeline();
    this.#remember(history, timeline);
    return {
      state: feedState(this.#source),
      samples: history.map(feedSample),
      historySize: this.#source.settings().historySize,
      timeline: [...timeline],
    };
  }

  update(): FeedUpdate {
    const samples = this.#source.history().filter((result) => result.timestamp > this.#lastSampleAt);
    const timeline = this.#source.timeline().filter((entry) => entry.id > this.#lastEntryId);
    this.#remember(samples, timeline);
    return { state: feedState(this.#source), samples: samples.map(feedSample), timeline };
  }

  #remember(samples: readonly HealthCheckResult[], timeline: readonly TimelineEntry[]): void {
    const lastSample = samples.at(-1);
    if (lastSample !== undefined) this.#lastSampleAt = Math.max(this.#lastSampleAt, lastSample.timestamp);
    const lastEntry = timeline.at(-1);
    if (lastEntry !== undefined) this.#lastEntryId = Math.max(this.#lastEntryId, lastEntry.id);
  }
}
