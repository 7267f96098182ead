import { describe, expect, it } from '@jest/globals';
import { CrashBackoff } from '../src/index.js';

const settings = { initialDelayMs: 100, maxDelayMs: 1000, minUptimeMs: 10_000 };

describe('CrashBackoff', () => {
  it('restarts at once after the first crash, then doubles the delay for each quick crash, up to the ceiling', () => {
    const backoff = new CrashBackoff(settings);
    const plans = Array.from({ length: 6 }, () => backoff.next(50));
    expect(plans.map((plan) => plan.delayMs)).toEqual([0, 100, 200, 400, 800, 1000]);
    expect(plans.map((plan) => plan.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('starts over after a run of at least minUptimeMs, not before', () => {
    const backoff = new CrashBackoff(settings);
    backoff.next(50);
    backoff.next(50);
    expect(backoff.next(9_999)).toEqual({ delayMs: 200, attempt: 3 });
    expect(backoff.next(10_000)).toEqual({ delayMs: 0, attempt: 1 });
    expect(backoff.next(50)).toEqual({ delayMs: 100, attempt: 2 });
  });

  it('starts over on reset', () => {
    const backoff = new CrashBackoff(settings);
    backoff.next(0);
    backoff.next(0);
    backoff.reset();
    expect(backoff.next(0)).toEqual({ delayMs: 0, attempt: 1 });
  });

  it('follows updated settings without forgetting the crashes so far', () => {
    const backoff = new CrashBackoff(settings);
    backoff.next(0);
    backoff.next(0);
    backoff.update({ initialDelayMs: 30, maxDelayMs: 100, minUptimeMs: 500 });
    expect(backoff.next(0)).toEqual({ delayMs: 60, attempt: 3 });
    expect(backoff.next(500)).toEqual({ delayMs: 0, attempt: 1 });
  });

  it('never overflows, however long the crash loop', () => {
    const backoff = new CrashBackoff(settings);
    for (let i = 0; i < 10_000; i += 1) backoff.next(0);
    expect(backoff.next(0)).toEqual({ delayMs: 1000, attempt: 10_001 });
  });
});
