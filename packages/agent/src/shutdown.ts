import { MAX_GRACE_MS } from './options.js';

/** Why the agent is ending the process; the first reason is the one kept. */
export type ShutdownReason = 'shutdown-requested' | 'ipc-closed';

export const EXIT_CLOSED = 0;
/** The close failed or outlived its grace: the process ends anyway, and says it was not clean. */
export const EXIT_NOT_CLOSED = 1;

export interface ShutdownPlan {
  readonly close: () => Promise<void>;
  readonly exit: (code: number) => void;
  readonly log: (line: string) => void;
}

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'closing'; readonly reason: ShutdownReason; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'exited'; readonly reason: ShutdownReason }
  | { readonly kind: 'cancelled' };

const DESCRIPTION: Readonly<Record<ShutdownReason, string>> = {
  'shutdown-requested': 'the supervisor asked for a shutdown',
  'ipc-closed': 'the IPC channel to the supervisor closed',
};

/**
 * Closes the application once and exits: 0 when the close settles, 1 if it fails or has not
 * settled within the grace. The grace timer is unref'd: if nothing else is left running
 * the process may end by itself first, which is just as good.
 */
export class GracefulShutdown {
  readonly #plan: ShutdownPlan;
  #state: State = { kind: 'idle' };

  constructor(plan: ShutdownPlan) {
    this.#plan = plan;
  }

  /** Starts the shutdown; a second call while one runs changes nothing. */
  start(reason: ShutdownReason, graceMs: number): void {
    if (this.#state.kind !== 'idle') return;
    const grace = Math.min(graceMs, MAX_GRACE_MS);
    this.#plan.log(`mpm agent: ${DESCRIPTION[reason]}; closing (grace ${grace} ms)`);
    const timer = setTimeout(() => {
      this.#exit(EXIT_NOT_CLOSED, `mpm agent: close took over ${grace} ms, exiting anyway`);
    }, grace);
    timer.unref();
    this.#state = { kind: 'closing', reason, timer };
    let closing: Promise<void>;
    try {
      closing = this.#plan.close();
    } catch (error) {
      closing = Promise.reject(error);
    }
    closing.then(
      () => this.#exit(EXIT_CLOSED, undefined),
      (error: unknown) => this.#exit(EXIT_NOT_CLOSED, `mpm agent: close failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** Drops a shutdown under way (detach): no exit will follow from it. */
  cancel(): void {
    if (this.#state.kind === 'closing') clearTimeout(this.#state.timer);
    if (this.#state.kind !== 'exited') this.#state = { kind: 'cancelled' };
  }

  #exit(code: number, line: string | undefined): void {
    if (this.#state.kind !== 'closing') return;
    clearTimeout(this.#state.timer);
    this.#state = { kind: 'exited', reason: this.#state.reason };
    if (line !== undefined) this.#plan.log(line);
    this.#plan.exit(code);
  }
}
