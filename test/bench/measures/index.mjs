// The measurements `pnpm bench` runs, in this order; each is loaded only when it runs.
export const MEASURE_IDS = ['cold-start', 'restart', 'hang', 'memory-limit', 'memory-leak', 'crash-loop', 'overhead', 'check-round', 'proc-read', 'log-throughput', 'dashboard'];

/** The measure module for `id` (its id, title and run). */
export function loadMeasure(id) {
  return import(`./${id}.mjs`);
}
