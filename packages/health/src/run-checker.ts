import type { CheckContext, HealthChecker } from './checker.js';
import type { Clock } from './clock.js';
import { unknown, type HealthMetric } from './metric.js';
import type { CheckerResult } from './result.js';
import { worstOf } from './status.js';
import type { HealthTarget } from './target.js';
import type { Thresholds } from './thresholds.js';

/**
 * How much longer than the probe timeout a checker may take before the monitor stops
 * waiting: the checker's own timeout should answer first, with a proper metric.
 */
export const CHECKER_GRACE_MS = 250;

export interface RunSettings {
  readonly probeTimeoutMs: number;
  readonly thresholds: Thresholds;
}

/**
 * Runs one checker with a deadline. Whatever happens (a throw, a rejection, a hang) the
 * answer is a result: the checker's metrics, or `unknown` for each of its metric names.
 */
export async function runChecker(checker: HealthChecker, target: HealthTarget, settings: RunSettings, clock: Clock): Promise<CheckerResult> {
  const started = clock.now();
  const abort = new AbortController();
  const context: CheckContext = {
    timeoutMs: settings.probeTimeoutMs,
    signal: abort.signal,
    thresholds: settings.thresholds,
    now: () => clock.now(),
  };
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const limitMs = settings.probeTimeoutMs + CHECKER_GRACE_MS;
  const late = new Promise<'late'>((resolve) => {
    timer = clock.setTimeout(() => resolve('late'), limitMs);
    timer.unref?.();
  });
  let outcome: HealthMetric[] | 'late' | { error: string };
  try {
    outcome = await Promise.race([checker.check(target, context), late]);
  } catch (error) {
    outcome = { error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '' };
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
  const now = clock.now();
  const durationMs = now - started;
  if (Array.isArray(outcome)) {
    return { name: checker.name, status: worstOf(outcome.map((metric) => metric.status)), durationMs, metrics: outcome };
  }
  abort.abort();
  const error = outcome === 'late' ? `the ${checker.name} check did not finish within ${limitMs} ms` : `the ${checker.name} check failed: ${outcome.error}`;
  const metrics = checker.metrics.map((name) => unknown(name, '', error, now));
  return { name: checker.name, status: 'unknown', durationMs, metrics, error };
}
