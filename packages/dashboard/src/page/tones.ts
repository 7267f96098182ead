/**
 * Which colour each state reads in. One place, so the badges, table dots and favicon agree.
 * Tones map to CSS custom properties (--ok, --warn, --crit, --info, --muted).
 */
import type { FeedBreaker, FeedHealthStatus, FeedVerdict, TimelineLevel } from '../feed.js';

export type Tone = 'ok' | 'warn' | 'crit' | 'info' | 'neutral';

export function verdictTone(verdict: FeedVerdict): Tone {
  return verdict === 'pass' ? 'ok' : verdict === 'warn' ? 'warn' : 'crit';
}

export function healthTone(status: FeedHealthStatus): Tone {
  switch (status) {
    case 'healthy':
      return 'ok';
    case 'warning':
      return 'warn';
    case 'critical':
      return 'crit';
    case 'starting':
      return 'info';
    case 'unknown':
      return 'neutral';
  }
}

/** Child states are a plain string in the feed; an unknown one reads neutral. */
export function childStateTone(state: string): Tone {
  switch (state) {
    case 'running':
      return 'ok';
    case 'starting':
    case 'stopping':
      return 'info';
    case 'exited':
    case 'backoff':
      return 'warn';
    case 'failed':
      return 'crit';
    default:
      return 'neutral';
  }
}

export function breakerTone(state: FeedBreaker['state']): Tone {
  return state === 'closed' ? 'ok' : state === 'half_open' ? 'warn' : 'crit';
}

export function levelTone(level: TimelineLevel): Tone {
  return level === 'info' ? 'info' : level === 'warning' ? 'warn' : 'crit';
}

/** Worst first, for sorting the checks table. */
export const HEALTH_SEVERITY: Readonly<Record<FeedHealthStatus, number>> = {
  critical: 0,
  warning: 1,
  unknown: 2,
  starting: 3,
  healthy: 4,
};
