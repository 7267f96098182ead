import type { HealthMonitor } from '@mpm/health';
import type { LoopCheck } from './systemd-notifier.js';

/** Slack on top of two rounds, for a busy machine. */
const SLACK_MS = 5000;

/**
 * The supervisor works when its timers fire (the watchdog tick itself shows that) and
 * its health rounds keep coming while a child is watched: a monitor stuck on a probe
 * that never returns would leave the child unwatched, and systemd should restart us.
 */
export function monitorProgress(monitor: HealthMonitor, now: () => number = Date.now): () => LoopCheck {
  return () => {
    const target = monitor.target;
    if (target === undefined) return { healthy: true };
    const latest = monitor.latest;
    const lastRound = latest !== undefined && latest.generation === target.generation ? latest.timestamp : target.startedAt;
    const { intervalMs, probeTimeoutMs } = monitor.settings;
    const limit = 2 * (intervalMs + probeTimeoutMs) + SLACK_MS;
    const quiet = now() - lastRound;
    if (quiet <= limit) return { healthy: true };
    return { healthy: false, reason: `no health check round for ${Math.round(quiet / 1000)} s (every ${Math.round(intervalMs / 1000)} s expected)` };
  };
}
