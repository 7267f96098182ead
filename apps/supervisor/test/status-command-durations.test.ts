import { describe, expect, it } from '@jest/globals';
import { formatAgo, formatDuration, formatIn } from '../src/status-command/durations.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [45_000, '45s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [192_000, '3m12s'],
    [3_599_000, '59m59s'],
    [3_600_000, '1h00m'],
    [(2 * 3600 + 5 * 60 + 59) * 1000, '2h05m'],
    [(23 * 3600 + 59 * 60) * 1000, '23h59m'],
    [24 * 3_600_000, '1d00h'],
    [(4 * 24 + 3) * 3_600_000 + 59 * 60_000, '4d03h'],
    [400 * 24 * 3_600_000, '400d00h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('shows a negative or not-a-number age (a clock step) as 0s', () => {
    expect(formatDuration(-5000)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('0s');
  });
});

describe('formatAgo and formatIn', () => {
  it('measure from now', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatAgo(now - 12_000, now)).toBe('12s ago');
    expect(formatAgo(now - 7_500_000, now)).toBe('2h05m ago');
    expect(formatAgo(now + 3000, now)).toBe('0s ago');
    expect(formatIn(now + 252_000, now)).toBe('in 4m12s');
  });
});
