import { afterEach, describe, expect, it } from '@jest/globals';
import { CHECKER_GRACE_MS, DEFAULT_THRESHOLDS, info, rated, runChecker, systemClock, type CheckContext, type HealthChecker, type HealthMetric, type RunSettings } from '../src/index.js';
import { targetFor } from './helpers/check.js';

// Real timers: the deadline is probe timeout + grace, kept short here.

const SETTINGS: RunSettings = { probeTimeoutMs: 100, thresholds: DEFAULT_THRESHOLDS };
const NAMES = ['firstMetric', 'secondMetric'] as const;

/** The contexts the checkers were called with, to see what runChecker did to them. */
let contexts: CheckContext[] = [];

afterEach(() => {
  contexts = [];
});

function checkerThat(check: (context: CheckContext) => Promise<HealthMetric[]>): HealthChecker {
  return {
    name: 'scripted',
    probe: false,
    metrics: NAMES,
    check: (_target, context) => {
      contexts.push(context);
      return check(context);
    },
  };
}

function expectAllUnknown(metrics: readonly HealthMetric[], error: string): void {
  expect(metrics.map((metric) => metric.name)).toEqual([...NAMES]);
  for (const metric of metrics) expect(metric).toMatchObject({ status: 'unknown', value: null, thresholds: null, message: error });
}

describe('runChecker', () => {
  it('turns a checker that throws into unknown metrics and an error', async () => {
    const checker = checkerThat(async () => {
      throw new Error('disk on fire\n    at somewhere (file.js:1:1)');
    });

    const result = await runChecker(checker, targetFor(process.pid), SETTINGS, systemClock);

    expect(result).toMatchObject({ name: 'scripted', status: 'unknown', error: 'the scripted check failed: disk on fire' });
    expectAllUnknown(result.metrics, 'the scripted check failed: disk on fire');
  });

  it('turns a checker that throws before returning a promise into unknown metrics too', async () => {
    const checker: HealthChecker = {
      name: 'scripted',
      probe: false,
      metrics: NAMES,
      check: () => {
        throw new TypeError('not a function');
      },
    };

    const result = await runChecker(checker, targetFor(process.pid), SETTINGS, systemClock);

    expect(result.error).toBe('the scripted check failed: not a function');
    expectAllUnknown(result.metrics, 'the scripted check failed: not a function');
  });

  it('stops waiting for a checker that never answers, and aborts its signal', async () => {
    const checker = checkerThat(() => new Promise<HealthMetric[]>(() => {}));
    const limitMs = SETTINGS.probeTimeoutMs + CHECKER_GRACE_MS;

    const result = await runChecker(checker, targetFor(process.pid), SETTINGS, systemClock);

    const error = `the scripted check did not finish within ${limitMs} ms`;
    expect(result).toMatchObject({ name: 'scripted', status: 'unknown', error });
    expectAllUnknown(result.metrics, error);
    expect(result.durationMs).toBeGreaterThanOrEqual(limitMs - 5);
    expect(result.durationMs).toBeLessThan(limitMs + 5000);
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.timeoutMs).toBe(SETTINGS.probeTimeoutMs);
    expect(contexts[0]!.signal.aborted).toBe(true);
  });

  it('keeps the metrics of a checker that answers, worst status first', async () => {
    const checker = checkerThat(async (context) => [info('firstMetric', 'R', 'state', context.now()), rated('secondMetric', 90, 'percent', context.thresholds.cpuPercent, context.now())]);

    const result = await runChecker(checker, targetFor(process.pid), SETTINGS, systemClock);

    expect(result.status).toBe('warning');
    expect(result.error).toBeUndefined();
    expect(result.metrics).toEqual([
      expect.objectContaining({ name: 'firstMetric', value: 'R', status: 'healthy' }),
      expect.objectContaining({ name: 'secondMetric', value: 90, status: 'warning', message: 'secondMetric 90 % ≥ warning 80 %' }),
    ]);
    expect(contexts[0]!.signal.aborted).toBe(false);
  });
});
