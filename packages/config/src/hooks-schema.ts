import { z } from 'zod';
import { duration, integer } from './leaf.js';
import { suggestName } from './suggest.js';

/**
 * What a hook can be told about (docs/hooks.md). The names are the log's own
 * where the log has one (`recovery_started`, `child_exited`, `recovery_gave_up`).
 */
export const HOOK_EVENTS = ['recovery_started', 'recovery_failed', 'breaker_opened', 'breaker_closed', 'recovery_gave_up', 'health_critical', 'child_exited'] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

/** Every event, in `on`. */
export const ALL_HOOK_EVENTS = '*';

/** The most hooks a config may list, and the most arguments a hook command may have. */
export const MAX_HOOKS = 32;
const MAX_ARGS = 64;

/** Defaults of the fields a hook may leave out, in one place. */
export const HOOK_DEFAULTS = Object.freeze({ timeoutMs: 10_000, retries: 3 });
const TIMEOUT_RANGE = { min: 100, max: 10 * 60_000 };
const RETRIES_RANGE = { min: 0, max: 10 };

/** A hook's name goes into log records and a metric label, as the supervisor's own does. */
const HOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Header names a webhook may not set: HTTP's own framing, and the signature, which is the
 * supervisor's to make.
 */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'x-mpm-signature', 'x-mpm-event', 'x-mpm-delivery']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Visible ASCII, spaces and tabs inside: a header value cannot carry a line break. */
const HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e\t]{0,1998}[\x21-\x7e])?$/;

export const HOOK_FIELDS = ['name', 'on', 'command', 'url', 'timeoutMs', 'secret', 'retries', 'headers'] as const;
const WEBHOOK_ONLY = ['secret', 'retries', 'headers'] as const;

/** http: and https: only; the supervisor never asks another scheme's client to carry an alert. */
export function isWebhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

const eventName = z.enum([...HOOK_EVENTS, ALL_HOOK_EVENTS], {
  error: () => `expected an event name (${HOOK_EVENTS.join(', ')}) or "${ALL_HOOK_EVENTS}" for all of them`,
});

const headerValue = z.string({ error: 'expected a header value (a string)' }).regex(HEADER_VALUE, {
  error: 'expected a header value of visible ASCII characters (spaces inside), without line breaks, at most 2000 characters',
});

/**
 * One entry of `hooks`: a name, the events it is for, and either a command (an argv list,
 * never given to a shell) or a webhook URL. Unknown fields are errors, as a typo in a hook
 * would otherwise leave an alert silently unsent.
 */
export const hookEntrySchema = z
  .strictObject(
    {
      name: z
        .string({ error: 'expected a name (a string)' })
        .regex(HOOK_NAME, { error: 'expected a name of letters, digits, ".", "_" or "-" (at most 64)' })
        .describe("The hook's name in log records and metric labels; unique"),
      on: z
        .array(eventName, { error: `expected a list of event names like ["child_exited", "recovery_gave_up"], or ["${ALL_HOOK_EVENTS}"]` })
        .min(1, { error: `expected at least one event name, or ["${ALL_HOOK_EVENTS}"]` })
        .max(HOOK_EVENTS.length + 1, { error: `expected at most ${HOOK_EVENTS.length + 1} event names` })
        .describe('The events this hook is for, or ["*"] for all'),
      command: z
        .array(z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }), {
          error: 'expected a list of strings like ["/usr/local/bin/page-me", "--team", "chat"] (it is never given to a shell)',
        })
        .min(1, { error: 'expected at least the program to run' })
        .max(MAX_ARGS, { error: `expected at most ${MAX_ARGS} arguments` })
        .describe('A program and its arguments, never given to a shell; the event as JSON on its stdin and in MPM_EVENT_JSON')
        .optional(),
      url: z
        .string({ error: 'expected an http:// or https:// URL (a string)' })
        .refine(isWebhookUrl, { error: 'expected an http:// or https:// URL' })
        .describe('An http:// or https:// URL the event is POSTed to as JSON with a Slack-compatible "text"; shown by its origin only')
        .optional(),
      timeoutMs: duration({
        default: HOOK_DEFAULTS.timeoutMs,
        ...TIMEOUT_RANGE,
        description: 'How long one run of the command, or one webhook attempt, may take',
      }).optional(),
      secret: z
        .string({ error: 'expected a secret (a string)' })
        .min(16, { error: 'expected a secret of at least 16 characters' })
        .max(1024, { error: 'expected a secret of at most 1024 characters' })
        .describe('Webhook only: signs each body, X-Mpm-Signature: sha256=<hex HMAC-SHA256 of the body>')
        .optional(),
      retries: integer({ default: HOOK_DEFAULTS.retries, ...RETRIES_RANGE, description: 'Further attempts after a failed webhook delivery' }).optional(),
      headers: z
        .record(z.string(), headerValue, { error: 'expected an object of header names to values, like {"Authorization": "Bearer …"}' })
        .describe('Webhook only: more request headers; their values are never shown')
        .optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownFields(issue.keys) : undefined) },
  )
  .superRefine((entry, ctx) => {
    if (entry.command === undefined && entry.url === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'expected "command" (a list like ["/usr/local/bin/page-me", "chat"]) or "url" (an http:// or https:// URL)' });
      return;
    }
    if (entry.command !== undefined && entry.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'a hook has "command" or "url", not both (make two hooks)' });
      return;
    }
    if (entry.command !== undefined) {
      for (const field of WEBHOOK_ONLY) {
        if (entry[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `only a webhook ("url") has "${field}"` });
      }
    }
    for (const name of Object.keys(entry.headers ?? {})) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['headers'], message: `expected header names of letters, digits and "-", not ${JSON.stringify(name.slice(0, 60))}` });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `the supervisor sets ${name} itself` });
    }
  });

export type HookEntry = z.output<typeof hookEntrySchema>;

function unknownFields(keys: readonly string[]): string {
  const [first] = keys;
  const suggestion = first === undefined ? undefined : suggestName(first, HOOK_FIELDS);
  const named = keys.map((key) => JSON.stringify(key.slice(0, 60))).join(', ');
  return `unknown field${keys.length === 1 ? '' : 's'} ${named}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; a hook has ${HOOK_FIELDS.join(', ')}`;
}
