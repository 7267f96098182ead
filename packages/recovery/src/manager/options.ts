import type { Clock } from '@mpm/health';
import type { BreakerTransition } from '../breaker/breaker-state.js';
import type { RecoveryEvent } from '../event.js';
import type { RecoveryHost } from '../host.js';
import type { RecoverySettings } from '../settings.js';

/** An action as it starts: the record it will become, without its verdict. */
export type ActionStarted = Omit<RecoveryEvent, 'result' | 'skip' | 'durationMs'>;

export interface RecoveryManagerEvents {
  /** An action that touches the child has started. */
  started: [ActionStarted];
  /** A decision has its verdict: every one is told here, blocked and skipped ones too. */
  event: [RecoveryEvent];
  breaker: [BreakerTransition];
  /** maxOpenCycles opens in a row: the host is told to stop the child and exit 75. */
  gaveUp: [string];
}

export interface RecoveryManagerOptions {
  readonly host: RecoveryHost;
  readonly settings: RecoverySettings;
  readonly clock?: Clock;
  /** How many finished decisions are kept for /events. */
  readonly keepEvents?: number;
  /** A bug in recovery itself: told here, and the action under way is dropped. */
  readonly onError?: (error: unknown) => void;
}
