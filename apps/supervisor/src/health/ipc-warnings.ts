import type { IpcTrouble } from '@mpm/child';
import type winston from 'winston';

/** Distinct invalid message types worth a line each, per child; the rest are counted. */
const MAX_TYPES_LOGGED = 8;
/** How much of a type a warning shows: a child chooses it, and may make it a megabyte. */
const MAX_TYPE_CHARS = 40;
/** How often the count of unlogged messages is written while they keep coming. */
const SUMMARY_EVERY_MS = 60_000;
/** The "type" a line that is not JSON is logged under. */
const NOT_JSON = '(not JSON)';

/**
 * Warnings about what one child says wrongly over IPC, in bounded numbers: the first message
 * of each of the first few invalid types gets a line; later ones are counted and reported as
 * one `ipc_messages_suppressed` line a minute, and when the child is gone. A child that
 * invents a new type per message (20,000 of them) costs a few lines, not 20,000.
 */
export class IpcWarnings {
  readonly #logger: winston.Logger;
  readonly #generation: number;
  readonly #now: () => number;
  readonly #logged = new Set<string>();
  #suppressed = 0;
  #suppressedSince = 0;
  #lastSummaryAt: number;
  #channelClosed = false;

  constructor(logger: winston.Logger, generation: number, now: () => number) {
    this.#logger = logger;
    this.#generation = generation;
    this.#now = now;
    this.#lastSummaryAt = now();
  }

  /** An `mpm:` message that did not read as one of ours. */
  invalid(type: string, reason: string): void {
    const cut = type.length > MAX_TYPE_CHARS ? `${type.slice(0, MAX_TYPE_CHARS)}…` : type;
    if (!this.#firstOf(cut)) return;
    this.#logger.warn(`ignored an invalid ${cut} message from the child: ${reason} (further ones of this type are not logged)`, {
      event: 'ipc_message_invalid',
      type: cut,
      reason,
      generation: this.#generation,
    });
  }

  trouble(trouble: IpcTrouble, childPid: number | undefined): void {
    if (trouble.kind === 'oversized') {
      if (this.#channelClosed) return;
      this.#channelClosed = true;
      const limitMiB = trouble.limit / (1024 * 1024);
      this.#logger.warn(
        `stopped reading the IPC channel of child ${childPid ?? '?'}: more than ${formatMiB(limitMiB)} MiB arrived without a message end (something in the child writes raw bytes to fd 3); the child keeps running, probed from outside (TCP, Socket.IO), without its agent's metrics`,
        { event: 'ipc_channel_closed', reason: 'message_too_large', bytes: trouble.bytes, limitBytes: trouble.limit, childPid, generation: this.#generation },
      );
      return;
    }
    if (!this.#firstOf(NOT_JSON)) return;
    this.#logger.warn(`ignored a line on the IPC channel that is not JSON: ${JSON.stringify(trouble.sample)} (further ones are not logged)`, {
      event: 'ipc_message_invalid',
      type: NOT_JSON,
      reason: 'not JSON',
      generation: this.#generation,
    });
  }

  /** The child is gone: say how many were not logged, if any. */
  close(): void {
    this.#summarise();
  }

  /** True when this is the first message of its type and there is room for a line about it. */
  #firstOf(type: string): boolean {
    if (this.#logged.has(type)) return false;
    if (this.#logged.size < MAX_TYPES_LOGGED) {
      this.#logged.add(type);
      return true;
    }
    if (this.#suppressed === 0) this.#suppressedSince = this.#now();
    this.#suppressed += 1;
    if (this.#now() - this.#lastSummaryAt >= SUMMARY_EVERY_MS) this.#summarise();
    return false;
  }

  #summarise(): void {
    if (this.#suppressed === 0) return;
    const count = this.#suppressed;
    const seconds = Math.max(1, Math.round((this.#now() - this.#suppressedSince) / 1000));
    this.#suppressed = 0;
    this.#lastSummaryAt = this.#now();
    this.#logger.warn(`suppressed ${count} invalid IPC messages of types not seen before from the child in the last ${seconds}s (${MAX_TYPES_LOGGED} types are logged per child)`, {
      event: 'ipc_messages_suppressed',
      count,
      generation: this.#generation,
    });
  }
}

function formatMiB(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
