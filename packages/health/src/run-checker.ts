import type { CheckContext, HealthChecker } from './checker.js';
import type { Clock } from '@mpm/system';
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
export async function runChecker(checker: HealthChecker, target: HealthTarget, settings: RunSettings, clock: Clock, stop?: AbortSignal): Promise<CheckerResult> {
  const started = clock.now();
  const abort = new AbortController();
  // The monitor stopped watching (the child exited or is being stopped): probes end now.
  const onStop = (): void => abort.abort();
  if (stop?.aborted === true) abort.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  const context: CheckContext = {
    timeoutMs: settings.probeTimeoutMs,
    signal: abort.signal,
    thresholds: settings.thresholds,
    now: () => clock.now(),
  };
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const limitMs = settings.probeTimeoutMs + CHECKER_GRACE_MS;
  const late = new Promise<'late' | 'stopped'>((resolve) => {
    timer = clock.setTimeout(() => resolve('late'), limitMs);
    timer.unref?.();
    // Nobody waits for the answer any more: stop waiting too.
    if (abort.signal.aborted) resolve('stopped');
    else abort.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  let outcome: HealthMetric[] | 'late' | 'stopped' | { error: string };
  try {
    outcome = await Promise.race([checker.check(target, context), late]);
  } catch (error) {
    outcome = { error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '' };
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    stop?.removeEventListener('abort', onStop);
  }
  const now = clock.now();
  const durationMs = now - started;
  const mark = checker.userDefined === true ? { userDefined: true as const } : {};
  if (Array.isArray(outcome)) {
    return { name: checker.name, status: worstOf(outcome.map((metric) => metric.status)), durationMs, metrics: outcome, ...mark };
  }
  abort.abort();
  const error =
    outcome === 'late'
      ? `the ${checker.name} check did not finish within ${limitMs} ms`
      : outcome === 'stopped'
        ? `the ${checker.name} check was stopped: the child is no longer watched`
        : `the ${checker.name} check failed: ${outcome.error}`;
  const metrics = checker.metrics.map((name) => unknown(name, '', error, now));
  return { name: checker.name, status: 'unknown', durationMs, metrics, error, ...mark };
}
