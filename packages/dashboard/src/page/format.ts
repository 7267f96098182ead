/** Turning feed values into the short strings the page shows. Pure functions only. */
import type { FeedThresholdPair } from '../feed.js';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time, HH:MM:SS, 24 h whatever the locale. */
export function formatClock(date: Date): string {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** A duration, compact and to the second: `42s`, `4m 05s`, `2h 03m 10s`, `3d 04h 12m`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d ${pad2(hours)}h ${pad2(minutes)}m`;
  if (hours > 0) return `${hours}h ${pad2(minutes)}m ${pad2(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad2(seconds)}s`;
  return `${seconds}s`;
}

/** A number with as many decimals as its size deserves: 1234, 97.3, 4.25, 0.012. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const digits = Number.isInteger(value) || magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, useGrouping: magnitude >= 10_000 });
}

/** How a feed unit reads after a number; `count` reads as nothing. */
export function unitSuffix(unit: string): string {
  switch (unit) {
    case 'percent':
      return ' %';
    case 'count':
    case 'state':
    case '':
      return '';
    default:
      return ` ${unit}`;
  }
}

/** A check's value with its unit; strings (e.g. process state) as they are, null as a dash. */
export function formatValue(value: number | string | null, unit: string): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  return `${formatNumber(value)}${unitSuffix(unit)}`;
}

/** `warn 80 % · crit 95 %`, or a dash for checks without thresholds. */
export function formatThresholds(pair: FeedThresholdPair | null, unit: string): string {
  if (pair === null) return '—';
  const suffix = unitSuffix(unit);
  return `warn ${formatNumber(pair.warning)}${suffix} · crit ${formatNumber(pair.critical)}${suffix}`;
}

/** How a child ended: `signal SIGKILL`, `code 1`, or `unknown`. */
export function formatExitCause(code: number | null, signal: string | null): string {
  if (signal !== null) return `signal ${signal}`;
  if (code !== null) return `code ${code}`;
  return 'unknown';
}
