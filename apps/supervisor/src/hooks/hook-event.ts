import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { HookEventName } from '@mpm/config';

/**
 * What a hook is told: the body of a webhook (with `text` for Slack), a command's stdin
 * and its MPM_EVENT_JSON. `id` is the same on every attempt of one event, so that a
 * receiver can drop a repeat; `time` is when it happened (and, signed with the body, lets
 * a receiver refuse an old one).
 */
export interface HookEvent {
  /** One line, the log's own, after the supervisor's name in brackets: "[chat] child 4242 exited …". */
  readonly text: string;
  readonly event: HookEventName;
  readonly id: string;
  readonly time: string;
  readonly supervisor: { readonly name: string; readonly pid: number; readonly host: string };
  /** The child it is about; null where none is (a breaker that closed between children). */
  readonly child: { readonly pid: number | null; readonly generation: number | null };
  /** The event's own fields, as the log record has them. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** Who is telling, and how ids and times are made (injected in unit tests). */
export interface EventOrigin {
  readonly name: string;
  readonly pid: number;
  readonly host: string;
  readonly now: () => number;
  readonly newId: () => string;
}

export function processOrigin(name: string): EventOrigin {
  return { name, pid: process.pid, host: hostname(), now: Date.now, newId: randomUUID };
}

/** A line longer than this is cut: it is an alert, not a report. */
const MAX_TEXT = 1000;

export function makeEvent(
  origin: EventOrigin,
  event: HookEventName,
  line: string,
  child: { readonly pid: number | null; readonly generation: number | null },
  details: Readonly<Record<string, unknown>>,
): HookEvent {
  const text = `[${origin.name}] ${line}`;
  // In this order in the JSON: text first, for whoever reads the body by eye.
  return Object.freeze({
    text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text,
    event,
    id: origin.newId(),
    time: new Date(origin.now()).toISOString(),
    supervisor: Object.freeze({ name: origin.name, pid: origin.pid, host: origin.host }),
    child: Object.freeze({ ...child }),
    details,
  });
}
