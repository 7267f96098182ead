import type { ServerLimits } from './limits.js';

/**
 * What the status server tells its owner about clients it turned away. Each kind comes at
 * once the first time (`first`, count 1), then at most once per noticeWindowMs with the
 * count of that window, so that an attacker cannot flood the log.
 */
export type ServerNotice =
  | {
      readonly kind: 'hosts_refused';
      readonly first: boolean;
      readonly count: number;
      /** Distinct Host values refused (at most 5, each cut to 100 characters). */
      readonly hosts: readonly string[];
    }
  | {
      readonly kind: 'connections_shed';
      readonly first: boolean;
      readonly count: number;
      /** Idle connections closed to make room for new ones. */
      readonly evicted: number;
      /** New connections closed at once: nothing was idle. */
      readonly refused: number;
      /** Distinct peer addresses concerned (at most 5). */
      readonly peers: readonly string[];
      readonly limits: Pick<ServerLimits, 'maxConnections' | 'maxConnectionsPerPeer'>;
    };
