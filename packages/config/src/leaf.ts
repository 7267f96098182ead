import { z } from 'zod';
import { formatExactDuration, parseDuration } from './duration.js';

/** When a changed value takes effect after a reload (SIGHUP). */
export type Applies = 'now' | 'next_restart' | 'supervisor_restart';

/** What kind of value a key holds: decides how an environment variable or flag is read. */
export type LeafKind = 'duration' | 'integer' | 'number' | 'port' | 'boolean' | 'choice' | 'string' | 'path' | 'url' | 'list' | 'map' | 'records';

/** Everything about one config key that is not the validation itself. */
export interface LeafMeta {
  readonly kind: LeafKind;
  readonly default: unknown;
  readonly description: string;
  /** What a valid value looks like, for "expected …, got …" messages. */
  readonly expects: string;
  readonly applies: Applies;
  /** The `run` flag that sets it, e.g. "--kill-timeout"; a "--no-x" flag sets false. */
  readonly flag?: string;
  /** The flag's help when the key's description does not fit it (a "--no-x" flag). */
  readonly flagHelp?: string;
  /** null is allowed. */
  readonly nullable: boolean;
  /** Never shown in logs, /diagnostics or `config print`. */
  readonly secret: boolean;
  /** Numeric range; a value outside it is corrected to the nearest bound, with a warning. */
  readonly range?: { readonly min: number; readonly max: number };
  readonly choices?: readonly string[];
  /** For `records`: the fields of an entry that are secrets, hidden wherever the value is shown. */
  readonly secretFields?: readonly string[];
  /** For `records`: the fields of an entry that are paths, taken from the config file's folder when relative. */
  readonly pathFields?: readonly string[];
}

/** Where each key's metadata lives: zod's own registry, keyed by the key's schema. */
export const leafRegistry = z.registry<LeafMeta>();

interface Common {
  readonly description: string;
  readonly applies?: Applies;
  readonly flag?: string;
  readonly flagHelp?: string;
}

function leaf<S extends z.ZodType>(schema: S, meta: Omit<LeafMeta, 'applies' | 'secret'> & { applies?: Applies; secret?: boolean }): S {
  leafRegistry.add(schema, { ...meta, applies: meta.applies ?? 'now', secret: meta.secret ?? false });
  return schema;
}

function rangeText(min: number, max: number, show: (n: number) => string = String): string {
  return `from ${show(min)} to ${show(max)}`;
}

/** Milliseconds: a number, or a string like "500ms", "5s", "2m". */
export function duration(options: Common & { default: number; min: number; max: number }) {
  const expects = `a duration ${rangeText(options.min, options.max, formatExactDuration)} (milliseconds, or a string like "5s")`;
  // The messages are for where nothing is corrected (an entry of a `records` key); elsewhere
  // a value out of range is corrected to the bound, with a warning of its own.
  const expected = (): string => `expected ${expects}`;
  const schema = z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      // "-5" from a variable is a number out of range, as -5 in a file is: corrected, not refused.
      const ms = typeof value === 'number' ? value : /^\s*-\d+(\.\d+)?\s*$/.test(value) ? Number(value) : parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: expected(), input: value });
        return z.NEVER;
      }
      return Math.round(ms);
    })
    .pipe(z.number().min(options.min, { error: expected }).max(options.max, { error: expected }));
  return leaf(schema, {
    kind: 'duration',
    nullable: false,
    range: { min: options.min, max: options.max },
    expects,
    ...options,
  });
}

type Ranged = Common & { default: number; min: number; max: number };

function rangedNumber(kind: 'integer' | 'number', options: Ranged) {
  const expects = `${kind === 'integer' ? 'an integer' : 'a number'} ${rangeText(options.min, options.max)}`;
  const error = `expected ${expects}`;
  const base = kind === 'integer' ? z.int({ error }) : z.number({ error });
  return leaf(base.min(options.min, { error }).max(options.max, { error }), {
    kind,
    nullable: false,
    range: { min: options.min, max: options.max },
    expects,
    ...options,
  });
}

export function integer(options: Ranged) {
  return rangedNumber('integer', options);
}

/** An integer in a range, or null for "none" (a limit that is off). */
export function nullableInteger(options: Common & { default: null; min: number; max: number }) {
  return leaf(z.int().min(options.min).max(options.max).nullable(), {
    kind: 'integer',
    nullable: true,
    range: { min: options.min, max: options.max },
    expects: `an integer ${rangeText(options.min, options.max)}, or null`,
    ...options,
  });
}

export function number(options: Ranged) {
  return rangedNumber('number', options);
}

/**
 * A TCP port. Out of range is an error rather than a correction: 70000 is a typo, and
 * guessing a port would send traffic somewhere nobody asked for.
 */
export function port(options: Common & { default: number }) {
  return leaf(z.int().min(0).max(65535), { kind: 'port', nullable: false, expects: 'a port number from 0 to 65535', ...options });
}

export function nullablePort(options: Common & { default: null }) {
  return leaf(z.int().min(0).max(65535).nullable(), { kind: 'port', nullable: true, expects: 'a port number from 0 to 65535, or null', ...options });
}

export function boolean(options: Common & { default: boolean }) {
  return leaf(z.boolean(), { kind: 'boolean', nullable: false, expects: 'true or false', ...options });
}

export function choice<const T extends readonly [string, ...string[]]>(options: Common & { choices: T; default: T[number] }) {
  return leaf(z.enum(options.choices), { kind: 'choice', nullable: false, expects: `one of ${options.choices.join(', ')}`, ...options });
}

export function nullableChoice<const T extends readonly [string, ...string[]]>(options: Common & { choices: T; default: null }) {
  return leaf(z.enum(options.choices).nullable(), {
    kind: 'choice',
    nullable: true,
    expects: `one of ${options.choices.join(', ')}, or null`,
    ...options,
  });
}

export function text(options: Common & { default: string; pattern?: RegExp; expects?: string }) {
  const base = z.string().min(1);
  return leaf(options.pattern === undefined ? base : base.regex(options.pattern), {
    kind: 'string',
    nullable: false,
    ...options,
    expects: options.expects ?? 'a non-empty string',
  });
}

export function secret(options: Common & { default: null; pattern?: RegExp; expects?: string }) {
  const base = z.string().min(1);
  return leaf((options.pattern === undefined ? base : base.regex(options.pattern)).nullable(), {
    kind: 'string',
    nullable: true,
    secret: true,
    ...options,
    expects: options.expects ?? 'a non-empty string, or null',
  });
}

/** A file or directory; relative paths are taken from the config file's folder, or the working directory. */
export function path(options: Common & { default: null }) {
  return leaf(z.string().min(1).nullable(), { kind: 'path', nullable: true, expects: 'a path, or null', ...options });
}

export function url(options: Common & { default: null }) {
  const schema = z
    .string()
    .refine((value) => URL.canParse(value) && /^(https?|wss?):$/.test(new URL(value).protocol), { message: 'not an http(s) URL' })
    .nullable();
  return leaf(schema, { kind: 'url', nullable: true, expects: 'an http:// or https:// URL, or null', ...options });
}

/** An argv list, never a shell line. */
export function argv(options: Common & { default: null }) {
  return leaf(z.array(z.string().min(1)).min(1).nullable(), {
    kind: 'list',
    nullable: true,
    expects: 'a list of strings like ["node", "server.js"] (it is never given to a shell), or null',
    ...options,
  });
}

/** Environment variables; numbers and booleans are taken as their text. */
export function stringMap(options: Common & { default: Record<string, string> }) {
  const schema = z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    z.union([z.string(), z.number(), z.boolean()]).transform((value) => String(value)),
  );
  return leaf(schema, { kind: 'map', nullable: false, expects: 'an object of variable names to strings, like {"NODE_ENV": "production"}', ...options });
}

/**
 * A list of entries, each an object checked by `entry` (hooks, user-defined checks). Set in
 * a file or, as JSON, in a variable; never by a flag. A wrong entry is an error that names
 * its place (`hooks[1].url`), and its secret fields are never shown.
 */
export function records<S extends z.ZodType>(
  entry: S,
  options: Common & { default: []; max: number; expects: string; secretFields?: readonly string[]; pathFields?: readonly string[]; unique?: string },
) {
  const { unique, ...meta } = options;
  const list = z.array(entry).max(options.max);
  return leaf(unique === undefined ? list : list.superRefine((entries, ctx) => noTwoAlike(entries, unique, ctx)), { kind: 'records', nullable: false, ...meta });
}

/** No two entries with the same `field` (compared without case): `[2].name: already the name of [0]`. */
function noTwoAlike(entries: readonly unknown[], field: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const value = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string') return;
    const first = seen.get(value.toLowerCase());
    if (first === undefined) seen.set(value.toLowerCase(), index);
    else ctx.addIssue({ code: 'custom', path: [index, field], input: value, message: `already the ${field} of [${first}]; each must be different` });
  });
}
