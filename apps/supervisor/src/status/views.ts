import type { ChildController } from '@mpm/child';
import type { BreakerView, ChildView } from '@mpm/http';
import type { BreakerTransition, RecoveryManager } from '@mpm/recovery';

/** The controller's state as the status server shows it. */
export function childViewOf(controller: ChildController): ChildView {
  const state = controller.state;
  const exit = controller.lastExit;
  const alive = state.kind === 'running' || state.kind === 'stopping';
  return {
    state: state.kind,
    pid: alive ? state.pid : null,
    generation: controller.generation,
    startedAt: alive ? state.startedAt : null,
    restarts: controller.restarts,
    lastExit: exit === null ? null : { code: exit.code, signal: exit.signal, at: exit.at, uptimeMs: exit.uptimeMs },
    respawnAt: state.kind === 'backoff' ? state.until : null,
  };
}

/**
 * The breaker with what its state alone does not keep: when and why it last moved.
 * Listens from construction on, so it must be made before recovery starts.
 */
export class BreakerWatch {
  readonly #manager: RecoveryManager;
  #last: BreakerTransition | undefined;
  #opens = 0;
  readonly #stop: () => void;

  constructor(manager: RecoveryManager) {
    this.#manager = manager;
    const onBreaker = (transition: BreakerTransition): void => {
      this.#last = transition;
      if (transition.to.kind === 'open' && transition.from.kind !== 'open') this.#opens += 1;
    };
    manager.on('breaker', onBreaker);
    this.#stop = () => manager.off('breaker', onBreaker);
  }

  /** Opens since the supervisor started. */
  get opensTotal(): number {
    return this.#opens;
  }

  get lastTransition(): BreakerTransition | undefined {
    return this.#last;
  }

  view(): BreakerView {
    const breaker = this.#manager.breaker;
    const state = breaker.state;
    const base = { since: this.#last?.at ?? null, reason: this.#last?.reason ?? null, failureThreshold: breaker.settings.failureThreshold };
    switch (state.kind) {
      case 'closed':
        return { ...base, state: 'closed', until: null, opensInARow: 0, recentFailures: state.recentFailures.length, exhausted: false };
      case 'open':
        return { ...base, state: 'open', since: state.since, until: state.exhausted ? null : state.until, opensInARow: state.opensInARow, recentFailures: 0, exhausted: state.exhausted };
      case 'half_open':
        return { ...base, state: 'half_open', since: state.since, until: null, opensInARow: state.opensInARow, recentFailures: 0, exhausted: false };
    }
  }

  close(): void {
    this.#stop();
  }
}
