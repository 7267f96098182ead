import { isDeepStrictEqual } from 'node:util';
import type { DeliverFunction } from './delivery.js';
import type { HookEvent } from './hook-event.js';
import type { HookReporter } from './hook-report.js';
import type { HookSpec } from './hook-spec.js';
import { HookWorker } from './hook-worker.js';

/** At exit, how long hooks may go on delivering before what is left is abandoned. */
export const DRAIN_GRACE_MS = 2000;
/** After an abandon, how long the aborted deliveries get to wind down (kill, close). */
const ABORT_GRACE_MS = 1000;

export interface DispatcherOptions {
  readonly deliver: DeliverFunction;
  readonly report: HookReporter;
  readonly queueSize?: number;
  readonly now?: () => number;
}

/**
 * Hands each event to every hook that wants it. `emit` only enqueues and returns: a hook
 * never delays or blocks recovery, whatever its receiver or command does. Each hook has
 * its own queue and at most one delivery in flight.
 */
export class HookDispatcher {
  readonly #options: DispatcherOptions;
  readonly #workers = new Map<string, HookWorker>();
  /** Hooks a reload removed whose last delivery is still under way: close() waits for them too. */
  readonly #retired = new Set<HookWorker>();
  readonly #abort = new AbortController();
  #closed = false;

  constructor(specs: readonly HookSpec[], options: DispatcherOptions) {
    this.#options = options;
    this.update(specs);
  }

  get hooks(): readonly HookSpec[] {
    return [...this.#workers.values()].map((worker) => worker.spec);
  }

  emit(event: HookEvent): void {
    if (this.#closed) return;
    for (const worker of this.#workers.values()) if (worker.spec.events.has(event.event)) worker.enqueue(event);
  }

  /** A reload: new hooks start, changed ones keep their queue, removed ones drop theirs (a delivery in flight ends on its own). */
  update(specs: readonly HookSpec[]): void {
    const names = new Set(specs.map((spec) => spec.name));
    for (const [name, worker] of this.#workers) {
      if (names.has(name)) continue;
      this.#workers.delete(name);
      const count = worker.clear();
      if (count > 0) this.#options.report({ kind: 'abandoned', hook: worker.spec, count, why: 'removed' });
      if (worker.pending > 0) {
        this.#retired.add(worker);
        void worker.idle().then(() => this.#retired.delete(worker));
      }
    }
    for (const spec of specs) {
      const worker = this.#workers.get(spec.name);
      if (worker === undefined) {
        this.#workers.set(spec.name, new HookWorker(spec, { ...this.#options, signal: this.#abort.signal }));
      } else if (!isDeepStrictEqual(worker.spec, spec)) {
        worker.spec = spec;
      }
    }
  }

  /**
   * Stops taking events and lets what is queued go out for at most `graceMs`; then what
   * is left is abandoned (a request in flight is cut, a command's group killed), reported,
   * and given ABORT_GRACE_MS to wind down. Exit never hangs on a hook.
   */
  async close(graceMs: number = DRAIN_GRACE_MS): Promise<void> {
    this.#closed = true;
    const workers = [...this.#workers.values(), ...this.#retired];
    const idle = Promise.all(workers.map((worker) => worker.idle()));
    if (await within(idle, graceMs)) return;
    for (const worker of workers) {
      const count = worker.pending;
      worker.clear();
      if (count > 0) this.#options.report({ kind: 'abandoned', hook: worker.spec, count, why: 'exit' });
    }
    this.#abort.abort();
    await within(idle, ABORT_GRACE_MS);
  }
}

/** True when `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
