/** A warning and a critical level; a value at or above a level has reached it. */
export interface ThresholdPair {
  readonly warning: number;
  readonly critical: number;
}

/** The metrics that have thresholds; the names follow the `health.thresholds.*` config keys. */
export const THRESHOLD_NAMES = ['cpuPercent', 'memoryMb', 'openFds', 'threads', 'clients', 'errorsPerMinute', 'eventLoopLagMs', 'probeLatencyMs'] as const;

export type ThresholdName = (typeof THRESHOLD_NAMES)[number];
export type Thresholds = Readonly<Record<ThresholdName, ThresholdPair>>;

/** The defaults of docs/design.md §5, for tests and for callers without a config. */
export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  cpuPercent: { warning: 80, critical: 95 },
  memoryMb: { warning: 400, critical: 500 },
  openFds: { warning: 800, critical: 1000 },
  threads: { warning: 64, critical: 128 },
  clients: { warning: 800, critical: 1000 },
  errorsPerMinute: { warning: 10, critical: 60 },
  eventLoopLagMs: { warning: 200, critical: 1000 },
  probeLatencyMs: { warning: 500, critical: 2000 },
});
