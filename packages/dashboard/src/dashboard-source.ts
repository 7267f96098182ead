import type { HealthCheckResult, MonitorSettings } from '@mpm/health';
import type { StatusView } from '@mpm/http';
import type { TimelineEntry } from './feed.js';

/** What the dashboard reads from the supervisor; each call is one snapshot. */
export interface DashboardSource {
  view(): StatusView;
  /** The monitor's kept rounds, oldest first, earlier children's included. */
  history(): readonly HealthCheckResult[];
  /** Oldest first. */
  timeline(): readonly TimelineEntry[];
  settings(): Pick<MonitorSettings, 'intervalMs' | 'historySize' | 'thresholds' | 'memoryLimitMb'>;
  /** Called on every change the page shows: a round, a spawn or exit, a recovery, a breaker move. */
  onChange(listener: () => void): () => void;
}
