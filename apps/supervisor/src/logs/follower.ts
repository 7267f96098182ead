import { systemClock, type Clock, type TimerHandle } from '@mpm/health';
import { LineBuffer } from './line-buffer.js';
import { closeLog, identityAt, readAt, sameFile, sizeOf, type OpenLog } from './log-files.js';
import { findSuccessors } from './successors.js';

export interface FollowOptions {
  /** The log file's name; whatever file holds it is followed, across rotation. */
  readonly path: string;
  /** The uid the files must belong to (see openLog): a log file another user's state file names. */
  readonly owner?: number;
  /** The open file and the offset to go on from: where the last lines printed ended. */
  readonly from: { readonly log: OpenLog; readonly offset: number };
  /** Whole lines, oldest first, as they come. */
  readonly onLines: (lines: readonly string[]) => void;
  /** The log rotated away files before they could be opened: lines may be missing. */
  readonly onGap?: () => void;
  /** Following ends, and every file is closed, when this aborts. */
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  /** How often the file is looked at while it is idle. */
  readonly pollMs?: number;
  /** How often while lines come or a rotated file is being finished: a fast writer rotates often. */
  readonly busyPollMs?: number;
  /** How long a rotated file must stay the same size before it counts as finished. */
  readonly quietMs?: number;
  /** Read at most this much per poll, so that a signal is handled between polls of a big backlog. */
  readonly maxBytesPerPoll?: number;
}

/** fs.watch misses events on some file systems and after renames; polling a stat is cheap and sure. */
const DEFAULT_POLL_MS = 250;
const DEFAULT_BUSY_POLL_MS = 50;
const DEFAULT_MAX_BYTES_PER_POLL = 4 * 1024 * 1024;
const READ_BYTES = 64 * 1024;

/** A file being read, or waiting its turn after the one being read. */
interface Followed {
  readonly log: OpenLog;
  offset: number;
  readonly lines: LineBuffer;
  /** The size last seen, and when it last changed. */
  size: number;
  changedAt: number;
  /** When a newer file was found; undefined while this is the newest. */
  rotatedAt: number | undefined;
}

/**
 * Follows a log file like `tail -F`, resolving once `signal` aborts (rejecting with a
 * LogFileReadError when a file cannot be read).
 *
 * Each poll: if the name now holds another file, open every file written since (see
 * findSuccessors) and queue them; then read the oldest queued file to its end. A rotated
 * file is finished once it has stayed the same size for `quietMs`; its last line is then
 * printed even without a newline, and the next file is read from its start. Files stay
 * open from the moment they are found, so one rotated away and deleted is still read to
 * its end. A file that shrinks was truncated and is read again from its start; when the
 * name holds nothing, the open file is read on until a new one appears.
 */
export function followLog(options: FollowOptions): Promise<void> {
  try {
    return new LogFollower(options).done;
  } catch (error) {
    closeLog(options.from.log);
    return Promise.reject(error);
  }
}

class LogFollower {
  readonly done: Promise<void>;
  readonly #path: string;
  readonly #owner: number | undefined;
  readonly #onLines: (lines: readonly string[]) => void;
  readonly #onGap: () => void;
  readonly #signal: AbortSignal;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #busyPollMs: number;
  readonly #quietMs: number;
  readonly #maxBytesPerPoll: number;
  readonly #buffer = Buffer.allocUnsafe(READ_BYTES);
  /** Oldest first; the first is being read, the last holds the name now. Never empty while following. */
  #queue: Followed[];
  #timer: TimerHandle | undefined;
  #stopped = false;
  #settle!: (error?: unknown) => void;

  constructor(options: FollowOptions) {
    this.#path = options.path;
    this.#owner = options.owner;
    this.#onLines = options.onLines;
    this.#onGap = options.onGap ?? (() => undefined);
    this.#signal = options.signal;
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#busyPollMs = Math.min(options.busyPollMs ?? DEFAULT_BUSY_POLL_MS, this.#pollMs);
    // Lines the writer handed to its old stream still land in the renamed file just after
    // the rename (rotating-file.ts); two idle polls is long past that.
    this.#quietMs = options.quietMs ?? 2 * this.#pollMs;
    this.#maxBytesPerPoll = options.maxBytesPerPoll ?? DEFAULT_MAX_BYTES_PER_POLL;
    this.#queue = [this.#followed(options.from.log, options.from.offset, this.#clock.now())];
    this.done = new Promise((resolve, reject) => {
      this.#settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    if (this.#signal.aborted) {
      this.#stop();
      return;
    }
    this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    // At once: lines written since the last lines were read are printed without a wait.
    this.#schedule(0);
  }

  readonly #onAbort = (): void => this.#stop();

  #schedule(ms: number): void {
    // Not unref'd: following is all this process does, and this timer keeps it alive.
    this.#timer = this.#clock.setTimeout(() => this.#poll(), ms);
  }

  #poll(): void {
    this.#timer = undefined;
    let busy: boolean;
    try {
      busy = this.#step(this.#clock.now());
    } catch (error) {
      this.#stop(error);
      return;
    }
    if (!this.#stopped) this.#schedule(busy ? this.#busyPollMs : this.#pollMs);
  }

  /** One poll; true when there is more to do soon. */
  #step(now: number): boolean {
    let busy = this.#discover(now);
    for (const file of this.#queue) this.#noteSize(file, sizeOf(file.log).size, now);
    let budget = this.#maxBytesPerPoll;
    for (;;) {
      const head = this.#queue[0]!;
      if (head.size < head.offset) {
        // Truncated (copytruncate, `> app.log`): what is there now is new.
        head.offset = 0;
        head.lines.reset();
      }
      const read = this.#read(head, budget, now);
      budget -= read;
      if (read > 0) busy = true;
      if (budget <= 0) return true;
      if (this.#queue.length === 1) return busy;
      if (!this.#finished(head, now)) return true;
      const rest = head.lines.flush();
      if (rest !== undefined) this.#onLines([rest]);
      closeLog(head.log);
      this.#queue.shift();
    }
  }

  /** Queues the files the name has held since the newest one queued; true when there were any. */
  #discover(now: number): boolean {
    const newest = this.#queue.at(-1)!;
    const current = identityAt(this.#path);
    if (current === undefined || sameFile(current, newest.log)) return false;
    const { files, gap } = findSuccessors(this.#path, newest.log, this.#owner);
    if (gap) this.#onGap();
    const fresh = files.filter((file) => {
      const queued = this.#queue.some((other) => sameFile(other.log, file));
      if (queued) closeLog(file);
      return !queued;
    });
    if (fresh.length === 0) return false;
    this.#queue.push(...fresh.map((file) => this.#followed(file, 0, now)));
    for (const file of this.#queue.slice(0, -1)) file.rotatedAt ??= now;
    return true;
  }

  /** Reads `file` on from its offset, up to `budget` bytes, passing on the whole lines. */
  #read(file: Followed, budget: number, now: number): number {
    const lines: string[] = [];
    let total = 0;
    while (total < budget) {
      const read = readAt(file.log, this.#buffer, file.offset, Math.min(this.#buffer.length, budget - total));
      if (read === 0) break;
      file.offset += read;
      total += read;
      for (const line of file.lines.push(this.#buffer.subarray(0, read))) lines.push(line);
    }
    // It grew while we read: that is a change too, or a rotated file could count as quiet.
    this.#noteSize(file, Math.max(file.size, file.offset), now);
    if (lines.length > 0) this.#onLines(lines);
    return total;
  }

  #noteSize(file: Followed, size: number, now: number): void {
    if (size === file.size) return;
    file.size = size;
    file.changedAt = now;
  }

  /** A rotated file read to its end that the writer has left alone for quietMs. */
  #finished(file: Followed, now: number): boolean {
    if (file.rotatedAt === undefined || file.offset < file.size) return false;
    return now - Math.max(file.changedAt, file.rotatedAt) >= this.#quietMs;
  }

  #followed(log: OpenLog, offset: number, now: number): Followed {
    return { log, offset, lines: new LineBuffer(), size: sizeOf(log).size, changedAt: now, rotatedAt: undefined };
  }

  #stop(error?: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal.removeEventListener('abort', this.#onAbort);
    for (const file of this.#queue) closeLog(file.log);
    this.#queue = [];
    this.#settle(error);
  }
}
