/** Events a hook may have waiting; past it the oldest goes (the newest says most about now). */
export const HOOK_QUEUE_SIZE = 100;

/** First in, first out, at most `size` items: a push onto a full queue drops the oldest and returns it. */
export class BoundedQueue<T> {
  readonly #size: number;
  #items: T[] = [];

  constructor(size: number = HOOK_QUEUE_SIZE) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`queue size must be a positive integer, got ${size}`);
    this.#size = size;
  }

  get length(): number {
    return this.#items.length;
  }

  /** Adds `item`; returns the item dropped to make room, if one was. */
  push(item: T): T | undefined {
    this.#items.push(item);
    return this.#items.length > this.#size ? this.#items.shift() : undefined;
  }

  shift(): T | undefined {
    return this.#items.shift();
  }

  /** Empties the queue; returns what was in it. */
  clear(): T[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }
}
