import { BoundedQueue } from './bounded-queue.js';
import type { DeliverFunction, Delivery } from './delivery.js';
import { FailureEpisode } from './failure-episode.js';
import type { HookEvent } from './hook-event.js';
import type { HookReporter } from './hook-report.js';
import type { HookSpec } from './hook-spec.js';

/**
 * One hook's deliveries: a bounded queue, at most one delivery in flight, events in the
 * order they came. `enqueue` returns at once; the work goes on in the background.
 */
export class HookWorker {
  #spec: HookSpec;
  readonly #queue: BoundedQueue<HookEvent>;
  readonly #deliver: DeliverFunction;
  readonly #report: HookReporter;
  readonly #signal: AbortSignal;
  readonly #episode: FailureEpisode;
  #busy = false;
  #idleWaiters: (() => void)[] = [];

  constructor(spec: HookSpec, options: { deliver: DeliverFunction; report: HookReporter; signal: AbortSignal; queueSize?: number; now?: () => number }) {
    this.#spec = spec;
    this.#queue = new BoundedQueue(options.queueSize);
    this.#deliver = options.deliver;
    this.#report = options.report;
    this.#signal = options.signal;
    this.#episode = new FailureEpisode((report) => this.#report({ kind: 'episode', hook: this.#spec, report }), options.now);
  }

  get spec(): HookSpec {
    return this.#spec;
  }

  /** A reload changed the hook: later deliveries use the new settings; the queue stays. */
  set spec(spec: HookSpec) {
    this.#spec = spec;
  }

  /** Events waiting, plus the one in flight. */
  get pending(): number {
    return this.#queue.length + (this.#busy ? 1 : 0);
  }

  enqueue(event: HookEvent): void {
    const dropped = this.#queue.push(event);
    if (dropped !== undefined) {
      this.#report({ kind: 'dropped', hook: this.#spec, event: dropped });
      this.#episode.dropped(`its queue is full (${this.#queue.length} events wait): dropped the oldest, ${dropped.event} of ${dropped.time}`);
    }
    if (!this.#busy) {
      this.#busy = true;
      void this.#drain();
    }
  }

  /** Resolves once nothing waits and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops what waits (the delivery in flight goes on); returns how many were dropped. */
  clear(): number {
    return this.#queue.clear().length;
  }

  async #drain(): Promise<void> {
    try {
      for (let event = this.#queue.shift(); event !== undefined; event = this.#queue.shift()) {
        const spec = this.#spec;
        const delivery = await this.#deliver(spec, event, this.#signal).catch((error: unknown): Delivery => ({
          ok: false,
          attempts: 1,
          how: `failed internally: ${error instanceof Error ? error.message : String(error)}`,
        }));
        // Cut short because the supervisor is exiting: counted among the abandoned already.
        if (this.#signal.aborted) continue;
        this.#report({ kind: delivery.ok ? 'delivered' : 'failed', hook: spec, event, delivery });
        if (delivery.ok) this.#episode.delivered();
        else this.#episode.failed(delivery.how);
      }
    } finally {
      // In the same step as the last empty shift(): an event enqueued after it starts a new drain.
      this.#busy = false;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }
}
