import { describe, expect, it } from '@jest/globals';
import { RestartBackoff } from '../src/index.js';

const settings = { initialDelayMs: 100, maxDelayMs: 1000, minUptimeMs: 10_000 };

describe('RestartBackoff', () => {
  it('doubles the delay for each quick crash, up to the ceiling', () => {
    const backoff = new RestartBackoff(settings);
    const delays = Array.from({ length: 6 }, () => backoff.next(50).delayMs);
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts over after a run of at least minUptimeMs', () => {
    const backoff = new RestartBackoff(settings);
    backoff.next(50);
    backoff.next(50);
    expect(backoff.next(10_000)).toEqual({ delayMs: 100, attempt: 1 });
    expect(backoff.next(50)).toEqual({ delayMs: 200, attempt: 2 });
  });

  it('starts over on reset, and follows updated settings', () => {
    const backoff = new RestartBackoff(settings);
    backoff.next(0);
    backoff.next(0);
    backoff.reset();
    backoff.update({ ...settings, initialDelayMs: 30 });
    expect(backoff.next(0).delayMs).toBe(30);
  });

  it('never overflows, however long the crash loop', () => {
    const backoff = new RestartBackoff(settings);
    for (let i = 0; i < 10_000; i += 1) backoff.next(0);
    expect(backoff.next(0).delayMs).toBe(1000);
  });
});
