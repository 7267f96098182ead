import { parseAgentMessage, type AckMessage, type Parsed, type AgentMessage, type PongMessage, type ReadyMessage } from '@mpm/protocol';
import { systemClock, type Clock, type TimerHandle } from '@mpm/system';
import type { AgentView, PingOutcome } from './target.js';

/** How the link sends to the child: the controller's IPC send, for one child. */
export type SendToChild = (message: unknown) => Promise<boolean>;

export type AckOutcome =
  | { readonly kind: 'ack'; readonly disconnected: number; readonly latencyMs: number }
  | { readonly kind: 'timeout'; readonly afterMs: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** How a request ended: the matching reply, or why there is none. */
type Answer<M> =
  { readonly kind: 'reply'; readonly message: M; readonly latencyMs: number } | { readonly kind: 'timeout'; readonly afterMs: number } | { readonly kind: 'unavailable'; readonly reason: string };

interface Pending {
  readonly type: 'mpm:pong' | 'mpm:ack';
  readonly sentAt: number;
  readonly timer: TimerHandle;
  readonly settle: (answer: Answer<PongMessage | AckMessage>) => void;
}

/**
 * The supervisor's end of the IPC channel to one child's agent (docs/design.md §7): requests
 * tagged with an id, answers matched by id, each with its own deadline. One link per
 * child; messages from another child never reach it.
 */
export class AgentLink implements AgentView {
  readonly #send: SendToChild;
  readonly #clock: Clock;
  readonly #pending = new Map<number, Pending>();
  readonly #readyListeners = new Set<(ready: ReadyMessage) => void>();
  #nextId = 1;
  #present = false;
  #ready: ReadyMessage | undefined;
  /** Why requests are refused, once they are. */
  #closed: string | undefined;

  constructor(send: SendToChild, clock: Clock = systemClock) {
    this.#send = send;
    this.#clock = clock;
  }

  get present(): boolean {
    return this.#present;
  }

  get ready(): ReadyMessage | undefined {
    return this.#ready;
  }

  onReady(listener: (ready: ReadyMessage) => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /**
   * Takes a message the child sent. Returns what it was, so that the caller can warn
   * about invalid ones; a reply nobody waits for any more (late, unknown id) is dropped.
   */
  receive(value: unknown): Parsed<AgentMessage> {
    const parsed = parseAgentMessage(value);
    if (parsed.kind !== 'message' || this.#closed !== undefined) return parsed;
    const message = parsed.message;
    this.#present = true;
    if (message.type === 'mpm:ready') {
      this.#ready = message;
      for (const listener of this.#readyListeners) listener(message);
      return parsed;
    }
    const pending = this.#pending.get(message.id);
    if (pending !== undefined && pending.type === message.type) {
      this.#settle(message.id, { kind: 'reply', message, latencyMs: this.#clock.now() - pending.sentAt });
    }
    return parsed;
  }

  async ping(timeoutMs: number): Promise<PingOutcome> {
    const answer = await this.#request('mpm:pong', (id) => ({ type: 'mpm:ping', id }), timeoutMs);
    if (answer.kind !== 'reply') return answer;
    return { kind: 'pong', stats: (answer.message as PongMessage).stats, latencyMs: answer.latencyMs };
  }

  async clearConnections(timeoutMs: number): Promise<AckOutcome> {
    const answer = await this.#request('mpm:ack', (id) => ({ type: 'mpm:clear-connections', id }), timeoutMs);
    if (answer.kind !== 'reply') return answer;
    return { kind: 'ack', disconnected: (answer.message as AckMessage).disconnected, latencyMs: answer.latencyMs };
  }

  /** Asks the agent to close and exit within graceMs; true when the message went out. */
  async shutdown(graceMs: number): Promise<boolean> {
    if (this.#closed !== undefined) return false;
    return this.#send({ type: 'mpm:shutdown', id: this.#nextId++, graceMs });
  }

  /**
   * The child is gone, or its channel is no longer read: every request still waiting, and
   * every later one, is answered `unavailable` with this reason.
   */
  close(reason = 'the child is gone'): void {
    this.#closed ??= reason;
    for (const id of [...this.#pending.keys()]) this.#settle(id, { kind: 'unavailable', reason });
  }

  async #request(type: Pending['type'], make: (id: number) => unknown, timeoutMs: number): Promise<Answer<PongMessage | AckMessage>> {
    if (this.#closed !== undefined) return { kind: 'unavailable', reason: this.#closed };
    const id = this.#nextId++;
    const answered = new Promise<Answer<PongMessage | AckMessage>>((settle) => {
      const timer = this.#clock.setTimeout(() => {
        this.#pending.delete(id);
        settle({ kind: 'timeout', afterMs: timeoutMs });
      }, timeoutMs);
      timer.unref?.();
      this.#pending.set(id, { type, sentAt: this.#clock.now(), timer, settle });
    });
    if (!(await this.#send(make(id)))) this.#settle(id, { kind: 'unavailable', reason: 'the IPC channel is closed' });
    return answered;
  }

  #settle(id: number, answer: Answer<PongMessage | AckMessage>): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    this.#clock.clearTimeout(pending.timer);
    pending.settle(answer);
  }
}
