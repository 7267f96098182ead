import { showNumber } from '@mpm/health';
import type { Diagnosis, MetricSummary } from '../failure-class.js';
import type { Decision } from '../manager/phase.js';
import { forecastCrossing, hardLine, ladderHorizonMs, type Forecast, type LeakGuardSettings } from './forecast.js';
import { Trend } from './trend.js';

/** One quick reading of the child's resident memory, between health rounds. */
export interface MemorySample {
  readonly generation: number;
  readonly pid: number;
  readonly at: number;
  readonly rssMb: number;
}

/** What the guard needs to know of the decision recovery is verifying. */
export type VerifyingDecision = Pick<Decision, 'action' | 'decidedAt' | 'diagnosis'>;

export interface LeakVerdict {
  /** Why the clear_connections under verification has failed already. */
  readonly failed?: string;
  /** A forecast to act on: restart the child now. */
  readonly restart?: Diagnosis;
}

/** The readings a trend is drawn from: long enough to smooth a GC, short enough to follow a burst. */
const TREND_WINDOW_MS = 3000;
/** A trend needs this many readings over at least this long. */
const MIN_READINGS = 4;
const MIN_SPAN_MS = 1000;
/** Slower than this is noise, not a leak. */
const MIN_SLOPE_MB_PER_SECOND = 1;
/** How long after an action memory must keep rising before the action is called failed. */
const RISING_AFTER_ACTION_MS = 2000;

/**
 * Follows the child's memory between health rounds, so that a fast leak is judged by
 * where it is going, not only by where it was at the last round (docs/design.md §4, leaks). It
 * names a forecast once per child: memory at or over critical that, at its pace, crosses
 * the hard line (child.maxMemoryMb, the cgroup's memory.max, or 1.5 × critical) before
 * the ladder could restart the child. Pure: time comes with the samples.
 */
export class LeakGuard {
  readonly #trend = new Trend(TREND_WINDOW_MS);
  #generation: number | undefined;
  #settled = false;

  /** Takes a reading; returns a forecast the first time this child's leak outruns the ladder. */
  sample(sample: MemorySample, settings: LeakGuardSettings, lastRungAt: number | undefined): Forecast | undefined {
    if (sample.generation !== this.#generation) {
      this.#generation = sample.generation;
      this.#trend.clear();
      this.#settled = false;
    }
    this.#trend.add({ at: sample.at, value: sample.rssMb });
    if (this.#settled) return undefined;
    const line = hardLine(settings);
    if (sample.rssMb < Math.min(settings.criticalMb, line.mb)) return undefined;
    const slope = this.#slope() ?? 0;
    if (sample.rssMb < line.mb && slope < MIN_SLOPE_MB_PER_SECOND) return undefined;
    return forecastCrossing(sample.rssMb, slope, line, ladderHorizonMs(settings, lastRungAt, sample.at));
  }

  /**
   * What a reading means for recovery: the clear_connections under verification
   * (`verifying`, once it is done) that memory keeps rising through has failed; a leak
   * that outruns the ladder is to be restarted now. Both may come from one reading.
   */
  judge(sample: MemorySample, settings: LeakGuardSettings, verifying: VerifyingDecision | undefined, lastRungAt: number | undefined): LeakVerdict {
    let failed: string | undefined;
    if (verifying?.action === 'clear_connections' && verifying.diagnosis.generation === sample.generation && verifying.diagnosis.thresholds.includes('memoryMb')) {
      const from = readingOf(verifying.diagnosis, 'memoryMb');
      const why = from === undefined ? undefined : this.stillRising(sample.generation, verifying.decidedAt, from);
      if (why !== undefined) failed = `${why}; ended before verifyTimeoutMs`;
    }
    const forecast = this.sample(sample, settings, lastRungAt);
    return { ...(failed === undefined ? {} : { failed }), ...(forecast === undefined ? {} : { restart: leakDiagnosis(forecast, sample) }) };
  }

  /** The forecast was acted on (or recorded): none again for this child. */
  settle(generation: number): void {
    if (generation === this.#generation) this.#settled = true;
  }

  /**
   * Why an action taken at `decidedAt`, when memory was `fromMb`, has not worked: memory
   * has kept rising since. Undefined while it has not (or not for long enough to tell).
   */
  stillRising(generation: number, decidedAt: number, fromMb: number): string | undefined {
    const latest = this.#trend.latest;
    if (generation !== this.#generation || latest === undefined || latest.at - decidedAt < RISING_AFTER_ACTION_MS) return undefined;
    const slope = this.#slope();
    if (slope === undefined || slope < MIN_SLOPE_MB_PER_SECOND || latest.value <= fromMb) return undefined;
    return `memoryMb kept rising: ${showNumber(fromMb)} → ${showNumber(latest.value)} MiB at +${showNumber(slope)} MiB/s`;
  }

  #slope(): number | undefined {
    return this.#trend.spanMs >= MIN_SPAN_MS ? this.#trend.slopePerSecond(MIN_READINGS) : undefined;
  }
}

/** The decision a forecast makes: a graceful restart now, for the memoryMb threshold. */
export function leakDiagnosis(forecast: Forecast, sample: MemorySample): Diagnosis {
  const metric: MetricSummary = { name: 'memoryMb', value: Number(sample.rssMb.toFixed(2)), unit: 'MiB', status: 'critical', message: forecast.text };
  return {
    failureClass: 'resource',
    severity: 'critical',
    reason: forecast.text,
    metrics: [metric],
    thresholds: ['memoryMb'],
    floor: 'restart_service',
    ceiling: 'restart_service',
    restartVia: 'message',
    generation: sample.generation,
    pid: sample.pid,
  };
}

/** The reading of `metric` a decision was made on, if it had one. */
export function readingOf(diagnosis: Diagnosis, metric: string): number | undefined {
  const value = diagnosis.metrics.find((summary) => summary.name === metric)?.value;
  return typeof value === 'number' ? value : undefined;
}
