/**
 * Durations for a person at a glance, two units at most, as `pm2 status` shows them:
 * `45s`, `3m12s`, `2h05m`, `4d03h`. The second unit is zero-padded so that a column
 * of them lines up by eye.
 */
export function formatDuration(ms: number): string {
  // A clock step can put a start in the future; a negative age means nothing.
  const seconds = Math.floor(Math.max(0, Number.isFinite(ms) ? ms : 0) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${pad(seconds % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d${pad(hours % 24)}h`;
}

/** `12s ago`, `2h05m ago`: how long before `now` the epoch ms `then` was. */
export function formatAgo(then: number, now: number): string {
  return `${formatDuration(now - then)} ago`;
}

/** `in 4m12s`: how long after `now` the epoch ms `then` is. */
export function formatIn(then: number, now: number): string {
  return `in ${formatDuration(then - now)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
