/**
 * One chart: a uPlot instance in its figure, made once and then fed with setData. It is
 * only made again when its series change (thresholds or a memory limit appear or go) or the
 * colour scheme flips, since uPlot's legend markers keep the colours they were made with.
 */
import uPlot from 'uplot';
import type { FeedSample, FeedThresholdPair } from '../feed.js';
import { buildColumns, latestValue, type ChartColumns, type TimeAxis } from './chart-data.js';
import { drawRestarts, drawRules, type Rule } from './chart-marks.js';
import type { ChartSpec } from './chart-specs.js';
import { el, setAttr, setText } from './dom.js';
import { formatClock, formatNumber, unitSuffix } from './format.js';
import type { ChartTheme } from './theme.js';

export const CURSOR_SYNC_KEY = 'mpm-dashboard';

export interface ChartFrame {
  readonly axis: TimeAxis;
  readonly samples: readonly FeedSample[];
  readonly thresholds: Readonly<Record<string, FeedThresholdPair>>;
  readonly memoryLimitMb: number | null;
}

const PLOT_HEIGHT = 170;
const THRESHOLD_DASH = [6, 4];
const LIMIT_DASH = [2, 3];

/** 24-hour wall-clock ticks: HH:MM, or HH:MM:SS when ticks are under a minute apart. */
function timeLabels(_plot: uPlot, splits: number[], _axis: number, _space: number, increment: number): string[] {
  return splits.map((seconds) => {
    const clock = formatClock(new Date(seconds * 1000));
    return increment < 60 ? clock : clock.slice(0, 5);
  });
}

/** At least a minute of axis, ending at the newest sample: a young history fills in from the right. */
const MIN_SPAN_S = 60;
function xRange(_plot: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  const end = max ?? Date.now() / 1000;
  const start = min ?? end;
  return end - start < MIN_SPAN_S ? [end - MIN_SPAN_S, end] : [start, end];
}

export class ChartPanel {
  readonly figure: HTMLElement;
  /** The element uPlot draws into; its width is the chart's. */
  readonly plotHost: HTMLElement;
  readonly #latest: HTMLElement;
  #plot: uPlot | null = null;
  #shape = '';
  #restarts: readonly number[] = [];
  #rules: readonly Rule[] = [];
  readonly #spec: ChartSpec;
  #theme: ChartTheme;

  constructor(spec: ChartSpec, theme: ChartTheme) {
    this.#spec = spec;
    this.#theme = theme;
    this.#latest = el('span', { class: 'latest' });
    this.plotHost = el('div', { class: 'plot' });
    this.figure = el('figure', { class: 'chart', 'data-testid': 'chart', 'data-chart': spec.id }, el('figcaption', {}, el('h3', {}, spec.title), this.#latest), this.plotHost);
  }

  update(frame: ChartFrame): void {
    const data = buildColumns(this.#spec, frame.axis, frame.samples, frame.thresholds, frame.memoryLimitMb);
    this.#restarts = frame.axis.restarts;
    this.#rules = this.#rulesOf(data, frame.memoryLimitMb);
    const shape = `${data.thresholds !== null}|${data.hasLimit}`;
    if (this.#plot === null || shape !== this.#shape) this.#create(data, shape);
    this.#plot?.setData([frame.axis.xs as number[], ...data.columns]);
    this.#updateCaption(frame.samples, data.thresholds);
  }

  /** Colours changed: the next update makes the plot again. */
  setTheme(theme: ChartTheme): void {
    this.#theme = theme;
    this.#shape = '';
  }

  resize(width: number): void {
    if (this.#plot !== null && Math.round(width) !== this.#plot.width) this.#plot.setSize({ width: Math.round(width), height: PLOT_HEIGHT });
  }

  /** Warning, critical, then the limit: the legend's rule series are made in this order. */
  #rulesOf(data: ChartColumns, memoryLimitMb: number | null): Rule[] {
    const rules: Rule[] = [];
    if (data.thresholds !== null) {
      rules.push({ value: data.thresholds.warning, colour: this.#theme.warning, dash: THRESHOLD_DASH });
      rules.push({ value: data.thresholds.critical, colour: this.#theme.critical, dash: THRESHOLD_DASH });
    }
    if (data.hasLimit && memoryLimitMb !== null) rules.push({ value: memoryLimitMb, colour: this.#theme.limit, dash: LIMIT_DASH });
    return rules;
  }

  #updateCaption(samples: readonly FeedSample[], pair: FeedThresholdPair | null): void {
    const primary = this.#spec.lines[0];
    const value = primary === undefined ? null : latestValue(samples, primary.key);
    setText(this.#latest, value === null ? '—' : `${formatNumber(value)}${unitSuffix(this.#spec.unit)}`);
    const tone = value === null || pair === null ? null : value >= pair.critical ? 'crit' : value >= pair.warning ? 'warn' : null;
    setAttr(this.#latest, 'data-tone', tone);
  }

  /** 0 at the bottom, and room above the data and every rule, so thresholds always show. */
  readonly #yRange = (_plot: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax => {
    const top = Math.max(max ?? 0, ...this.#rules.map((rule) => rule.value));
    return [0, top > 0 ? top * 1.08 : 1];
  };

  #create(data: ChartColumns, shape: string): void {
    this.#plot?.destroy();
    this.#shape = shape;
    const theme = this.#theme;
    const suffix = unitSuffix(this.#spec.unit);
    // The legend shows the hovered round's values, and the newest round's when not hovered.
    const shown = (plot: uPlot, value: number | null, seriesIndex: number, index: number | null): number | null => (index === null ? (plot.data[seriesIndex]?.at(-1) ?? null) : value);
    const show = (plot: uPlot, value: number | null, seriesIndex: number, index: number | null): string => {
      const v = shown(plot, value, seriesIndex, index);
      return v === null ? '—' : `${formatNumber(v)}${suffix}`;
    };
    const showTime = (plot: uPlot, value: number | null, seriesIndex: number, index: number | null): string => {
      const v = shown(plot, value, seriesIndex, index);
      return v === null ? '—' : formatClock(new Date(v * 1000));
    };
    // Rules are drawn by the hook; these series give them a legend entry and a value.
    const rule = (label: string, stroke: string, dash: number[], index: number): uPlot.Series => ({
      label,
      stroke,
      width: 1,
      dash,
      paths: () => null,
      points: { show: false },
      value: () => {
        const value = this.#rules[index]?.value;
        return value === undefined ? '—' : `${formatNumber(value)}${suffix}`;
      },
    });
    const series: uPlot.Series[] = [
      { label: 'time', value: showTime },
      ...this.#spec.lines.map((line): uPlot.Series => ({ label: line.label, stroke: theme.series[line.colour % theme.series.length], width: 1.5, value: show })),
    ];
    // Same order as rulesOf.
    if (data.thresholds !== null) series.push(rule('warning', theme.warning, THRESHOLD_DASH, 0), rule('critical', theme.critical, THRESHOLD_DASH, 1));
    if (data.hasLimit) series.push(rule('limit', theme.limit, LIMIT_DASH, data.thresholds !== null ? 2 : 0));

    const axisStyle = { stroke: theme.text, font: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(200, Math.round(this.plotHost.clientWidth)),
      height: PLOT_HEIGHT,
      series,
      scales: { x: { time: true, range: xRange }, y: { range: this.#yRange } },
      axes: [
        { ...axisStyle, size: 32, values: timeLabels },
        { ...axisStyle, size: 48, values: (_plot, splits) => splits.map((v) => formatNumber(v)) },
      ],
      cursor: { sync: { key: CURSOR_SYNC_KEY }, y: false, points: { size: 6 } },
      legend: { live: true },
      // Rules under the series (drawClear comes before them), restart marks over them.
      hooks: { drawClear: [(plot) => drawRules(plot, this.#rules)], draw: [(plot) => drawRestarts(plot, this.#restarts, this.#theme.restart)] },
    };
    this.#plot = new uPlot(options, [[], ...data.columns.map(() => [])], this.plotHost);
  }
}
