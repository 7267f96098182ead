/**
 * The grid of charts: makes the panels on the first data, feeds them on every change,
 * resizes them with their column (ResizeObserver → setSize) and recolours them when the
 * scheme flips.
 */
import type { FeedSample, FeedState, TimelineEntry } from '../feed.js';
import { buildTimeAxis } from './chart-data.js';
import { ChartPanel, type ChartFrame } from './chart-panel.js';
import { CHART_SPECS } from './chart-specs.js';
import { onThemeChange, readTheme } from './theme.js';

export class ChartBoard {
  readonly #panels: ChartPanel[];
  #lastFrame: ChartFrame | null = null;

  constructor(container: HTMLElement) {
    const theme = readTheme();
    this.#panels = CHART_SPECS.map((spec) => new ChartPanel(spec, theme));
    container.replaceChildren(...this.#panels.map((panel) => panel.figure));

    // Resizing inside the observer's callback would re-trigger it ("loop limit exceeded");
    // the next frame is soon enough.
    const byHost = new Map<Element, ChartPanel>(this.#panels.map((panel) => [panel.plotHost, panel]));
    const observer = new ResizeObserver((entries) => {
      const widths = entries.map((entry) => [byHost.get(entry.target), entry.contentRect.width] as const);
      requestAnimationFrame(() => {
        for (const [panel, width] of widths) if (panel !== undefined && width > 0) panel.resize(width);
      });
    });
    for (const panel of this.#panels) observer.observe(panel.plotHost);

    onThemeChange(() => {
      const next = readTheme();
      for (const panel of this.#panels) panel.setTheme(next);
      if (this.#lastFrame !== null) this.#draw(this.#lastFrame);
    });
  }

  update(state: FeedState, samples: readonly FeedSample[], timeline: readonly TimelineEntry[]): void {
    const exits = timeline.filter((entry) => entry.kind === 'exited').map((entry) => entry.at);
    this.#draw({ axis: buildTimeAxis(samples, exits), samples, thresholds: state.thresholds, memoryLimitMb: state.memoryLimitMb });
  }

  #draw(frame: ChartFrame): void {
    this.#lastFrame = frame;
    for (const panel of this.#panels) panel.update(frame);
  }
}
