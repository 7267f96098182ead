import { createHistogram, performance } from 'node:perf_hooks';

export interface LagMonitor {
  /** The lag so far in this window, in ms, without starting a new window. */
  peekMs(): number;
  /** The lag of this window, in ms, and starts the next one (once per pong). */
  takeMs(): number;
  stop(): void;
}

const NS_PER_MS = 1e6;

/**
 * Event-loop lag: the p99 of how late a `resolutionMs` timer runs, per window.
 *
 * Why not perf_hooks.monitorEventLoopDelay: its reset() also forgets when its timer last
 * ran, so the first delay after a reset is never recorded. A pong is answered right after
 * a block more often than not (the ping waited in the socket during it), before that
 * timer had its turn; the reset then threw the block away, and a 300 ms stall read 0.
 * Here the agent keeps its own timestamps, and a read first records how overdue the
 * timer is, so a block that just ended is in the pong that follows it.
 *
 * The timer is unref'd: it never keeps the process alive.
 */
export function startLagMonitor(resolutionMs: number): LagMonitor {
  const histogram = createHistogram();
  let last = performance.now();
  // Each delay minus the resolution itself, so an idle loop reads ~0 and not ~resolution.
  const record = (now: number): void => {
    const lateMs = now - last - resolutionMs;
    histogram.record(Math.max(1, Math.round(lateMs * NS_PER_MS)));
    last = now;
  };
  const timer = setInterval(() => record(performance.now()), resolutionMs);
  timer.unref();

  const read = (): number => {
    const now = performance.now();
    // Overdue: the loop was blocked and the timer has not run since. Counted now, and
    // measured from now on, so the timer's next run does not count it twice.
    if (now - last > 2 * resolutionMs) record(now);
    if (histogram.count === 0) return 0;
    const lagMs = histogram.percentile(99) / NS_PER_MS;
    return lagMs >= 0.001 ? Math.round(lagMs * 1000) / 1000 : 0;
  };
  return {
    peekMs: read,
    takeMs: () => {
      const lagMs = read();
      histogram.reset();
      return lagMs;
    },
    stop: () => clearInterval(timer),
  };
}
