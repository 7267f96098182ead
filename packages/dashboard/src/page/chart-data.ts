/**
 * From kept samples to uPlot's column arrays. Pure, so it can be reasoned about apart from
 * the canvas. x is in seconds (uPlot's time scale). Where the child's generation changes
 * between two samples a point with no values is put in, so the lines of the old and the new
 * child are not joined, and its x is kept as a restart marker.
 */
import type { FeedSample, FeedThresholdPair } from '../feed.js';
import type { ChartSpec } from './chart-specs.js';

export interface TimeAxis {
  /** Seconds, strictly increasing. */
  readonly xs: readonly number[];
  /** For each x, the sample it comes from, or -1 for an inserted restart point. */
  readonly from: readonly number[];
  /** Seconds at which the child restarted. */
  readonly restarts: readonly number[];
}

/**
 * `exits`: epoch ms of the timeline's `exited` entries, used to put a restart marker at the
 * moment the child died rather than halfway between two rounds.
 */
export function buildTimeAxis(samples: readonly FeedSample[], exits: readonly number[]): TimeAxis {
  const xs: number[] = [];
  const from: number[] = [];
  const restarts: number[] = [];
  samples.forEach((sample, index) => {
    const previous = index > 0 ? samples[index - 1] : undefined;
    if (previous !== undefined && previous.generation !== sample.generation) {
      const exit = exits.find((at) => at > previous.at && at < sample.at);
      const at = exit ?? (previous.at + sample.at) / 2;
      if (at > previous.at && at < sample.at) {
        xs.push(at / 1000);
        from.push(-1);
      }
      restarts.push(at / 1000);
    }
    xs.push(sample.at / 1000);
    from.push(index);
  });
  return { xs, from, restarts };
}

export type Column = (number | null)[];

export interface ChartColumns {
  /** One per spec line, then warning, critical, and the memory limit when drawn. */
  readonly columns: readonly Column[];
  readonly hasLimit: boolean;
  readonly thresholds: FeedThresholdPair | null;
}

export function buildColumns(spec: ChartSpec, axis: TimeAxis, samples: readonly FeedSample[], thresholds: Readonly<Record<string, FeedThresholdPair>>, memoryLimitMb: number | null): ChartColumns {
  const constant = (value: number): Column => axis.xs.map(() => value);
  const columns: Column[] = spec.lines.map((line) => axis.from.map((index) => (index < 0 ? null : (samples[index]?.values[line.key] ?? null))));
  const pair = thresholds[spec.thresholds] ?? null;
  if (pair !== null) columns.push(constant(pair.warning), constant(pair.critical));
  const hasLimit = spec.memoryLimit === true && memoryLimitMb !== null;
  if (hasLimit && memoryLimitMb !== null) columns.push(constant(memoryLimitMb));
  return { columns, hasLimit, thresholds: pair };
}

/** A spec line's value in the newest round (null: not measured), for the chart's caption. */
export function latestValue(samples: readonly FeedSample[], key: string): number | null {
  const last = samples.at(-1);
  return last === undefined ? null : (last.values[key] ?? null);
}
