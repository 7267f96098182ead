import type { Faults } from './faults.js';

/** The slice of time the busy switch works in: it spins N ms out of every SLICE_MS. */
export const SLICE_MS = 100;

/**
 * Runs the busy switch: every SLICE_MS the loop spins for `busyPercent` percent of it,
 * so the process is CPU-bound, yet between slices its timers, sockets and IPC still run
 * (a ping waits at most one slice). Returns a function that stops the spinning.
 */
export function startBusy(faults: Faults, log: (line: string) => void): () => void {
  if (faults.busyPercent === 0) return () => undefined;
  const spinMs = (faults.busyPercent * SLICE_MS) / 100;
  log(`demo-server busy: spinning ${spinMs} ms of every ${SLICE_MS} ms`);
  const timer = setInterval(() => spinFor(spinMs), SLICE_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function spinFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Spin: the point is to use the CPU, not to get anything done.
  }
}
