import { describe, expect, it } from '@jest/globals';
import { formatDuration, formatExactDuration, parseDuration } from '../src/index.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['250', 250],
    [' 3s ', 3000],
    ['0ms', 0],
    [1200, 1200],
    [0, 0],
  ] as const)('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['soon', '-5s', '5 seconds', '', 's', '1e3', NaN, -1, Number.POSITIVE_INFINITY])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1234, '1.2s'],
    [42_000, '42s'],
    [90_000, '1m30s'],
    [120_000, '2m'],
  ])('shows %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('carries seconds that round up to a whole minute into the minutes', () => {
    // 1 min 59.6 s is 2 minutes to the nearest second, never "1m60s".
    expect(formatDuration(119_600)).toBe('2m');
  });
});

describe('formatExactDuration', () => {
  it.each([
    [100, '100ms'],
    [1500, '1500ms'],
    [5000, '5s'],
    [90_000, '90s'],
    [120_000, '2m'],
    [3_600_000, '1h'],
  ])('shows %d ms exactly as %s', (ms, text) => {
    expect(formatExactDuration(ms)).toBe(text);
  });

  it('reads back to the same number of milliseconds', () => {
    for (const ms of [0, 1, 999, 1000, 1001, 59_000, 61_000, 300_000, 7_200_000, 86_400_000]) {
      expect(parseDuration(formatExactDuration(ms))).toBe(ms);
    }
  });
});
