import type { HealthCheckResult } from './result.js';
import type { HealthStatus } from './status.js';

/** The windows docs/design.md §3 asks aggregates for: 1, 5 and 15 minutes. */
export const AGGREGATE_WINDOWS_MS: readonly number[] = Object.freeze([60_000, 300_000, 900_000]);

export interface MetricAggregate {
  readonly count: number;
  readonly mean: number;
  readonly max: number;
  readonly last: number;
}

export interface WindowAggregate {
  readonly windowMs: number;
  readonly results: number;
  /** From the oldest result in the window to now; less than windowMs when history is short. */
  readonly coveredMs: number;
  /** Share of the rounds with a known status that were healthy; null without any. */
  readonly healthyShare: number | null;
  readonly statuses: Readonly<Record<HealthStatus, number>>;
  /** Numeric metrics only. */
  readonly metrics: Readonly<Record<string, MetricAggregate>>;
}

/** The last `size` results, oldest first, in a ring buffer. */
export class HealthHistory {
  #size: number;
  #ring: Array<HealthCheckResult | undefined>;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`history size must be a whole number ≥ 1, got ${size}`);
    this.#size = size;
    this.#ring = new Array<HealthCheckResult | undefined>(size);
  }

  get size(): number {
    return this.#size;
  }

  get length(): number {
    return this.#count;
  }

  push(result: HealthCheckResult): void {
    this.#ring[this.#next] = result;
    this.#next = (this.#next + 1) % this.#size;
    this.#count = Math.min(this.#count + 1, this.#size);
  }

  /** Oldest first. */
  entries(): HealthCheckResult[] {
    const out: HealthCheckResult[] = [];
    const start = (this.#next - this.#count + this.#size) % this.#size;
    for (let i = 0; i < this.#count; i += 1) {
      const entry = this.#ring[(start + i) % this.#size];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  get latest(): HealthCheckResult | undefined {
    return this.#count === 0 ? undefined : this.#ring[(this.#next - 1 + this.#size) % this.#size];
  }

  /** Keeps the newest results that fit. */
  resize(size: number): void {
    if (size === this.#size) return;
    const kept = this.entries().slice(-size);
    this.#size = size;
    this.#ring = new Array<HealthCheckResult | undefined>(size);
    this.#next = 0;
    this.#count = 0;
    for (const entry of kept) this.push(entry);
  }

  aggregate(windowMs: number, now: number): WindowAggregate {
    const inWindow = this.entries().filter((result) => result.timestamp > now - windowMs && result.timestamp <= now);
    const statuses: Record<HealthStatus, number> = { unknown: 0, healthy: 0, starting: 0, warning: 0, critical: 0 };
    const sums = new Map<string, { count: number; sum: number; max: number; last: number }>();
    for (const result of inWindow) {
      statuses[result.status] += 1;
      for (const metric of result.metrics) {
        if (typeof metric.value !== 'number') continue;
        const entry = sums.get(metric.name) ?? { count: 0, sum: 0, max: -Infinity, last: 0 };
        entry.count += 1;
        entry.sum += metric.value;
        entry.max = Math.max(entry.max, metric.value);
        entry.last = metric.value;
        sums.set(metric.name, entry);
      }
    }
    const known = inWindow.length - statuses.unknown;
    const metrics: Record<string, MetricAggregate> = {};
    for (const [name, entry] of sums) metrics[name] = { count: entry.count, mean: entry.sum / entry.count, max: entry.max, last: entry.last };
    const oldest = inWindow[0];
    return {
      windowMs,
      results: inWindow.length,
      coveredMs: oldest === undefined ? 0 : now - oldest.timestamp,
      healthyShare: known === 0 ? null : statuses.healthy / known,
      statuses,
      metrics,
    };
  }

  aggregates(now: number): WindowAggregate[] {
    return AGGREGATE_WINDOWS_MS.map((windowMs) => this.aggregate(windowMs, now));
  }
}
