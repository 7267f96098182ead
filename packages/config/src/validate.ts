import type { z } from 'zod';
import { formatExactDuration } from './duration.js';
import { clipGiven, describeSetting, showValue, type Finding, type ValueSource } from './findings.js';
import { CONFIG_KEYS, deepFreeze, keyByPath, keyOfIssuePath, treeFrom, valueAt, type ConfigKey } from './keys.js';
import { isSecretName, originOnly, redactValue } from './redact.js';
import { configSchema, type Config } from './schema.js';

/** One key's value on its way through validation. */
export interface Entry {
  readonly value: unknown;
  readonly source: ValueSource;
}

/** Pairs of keys that must agree: `key` is corrected when it is on the wrong side of `other`. */
const CONSISTENCY: ReadonlyArray<{ readonly key: string; readonly other: string; readonly mustBe: 'atLeast' | 'atMost' }> = [
  { key: 'child.maxRestartDelayMs', other: 'child.restartDelayMs', mustBe: 'atLeast' },
  ...CONFIG_KEYS.filter((key) => key.path.startsWith('health.thresholds.') && key.path.endsWith('.warning')).map((key) => ({
    key: key.path,
    other: key.path.replace(/\.warning$/, '.critical'),
    mustBe: 'atMost' as const,
  })),
];

const consistentSchema = configSchema.superRefine((config, ctx) => {
  for (const rule of CONSISTENCY) {
    const value = valueAt(config, rule.key.split('.')) as number;
    const other = valueAt(config, rule.other.split('.')) as number;
    const wrong = rule.mustBe === 'atLeast' ? value < other : value > other;
    if (wrong) {
      ctx.addIssue({
        code: 'custom',
        path: rule.key.split('.'),
        message: `must be ${rule.mustBe === 'atLeast' ? 'at least' : 'at most'} ${rule.other}`,
        params: { correctTo: other, other: rule.other, mustBe: rule.mustBe },
      });
    }
  }
});

/** How a key's number reads in a message: durations with their unit. */
function showNumber(key: ConfigKey, value: number): string {
  return key.meta.kind === 'duration' ? formatExactDuration(value) : String(value);
}

export interface Validation {
  readonly config: Config | undefined;
  readonly findings: readonly Finding[];
}

/**
 * Validates the layered values. A number outside its key's range, or on the wrong side
 * of a key it must agree with, is corrected with a warning; anything else wrong is an
 * error naming the key, where it came from, what was given and what is expected.
 */
export function validateEntries(entries: ReadonlyMap<string, Entry>): Validation {
  const { usable, refused } = withoutNul(entries);
  const validation = validateUsable(usable);
  return refused.length === 0 ? validation : { config: undefined, findings: [...validation.findings, ...refused] };
}

/**
 * Refuses a value with a NUL character in any string (an argument, a variable, a path):
 * the system cannot take one, so the child would not start, or the log file would not
 * open, long after the config was said to be fine. The key is checked at its default
 * meanwhile, so that the other keys are still checked.
 */
function withoutNul(entries: ReadonlyMap<string, Entry>): { usable: ReadonlyMap<string, Entry>; refused: Finding[] } {
  const usable = new Map(entries);
  const refused: Finding[] = [];
  for (const [path, entry] of entries) {
    const key = keyByPath(path);
    if (key === undefined || !hasNul(entry.value)) continue;
    usable.set(path, { value: structuredClone(key.meta.default), source: { layer: 'default' } });
    refused.push({
      severity: 'error',
      code: 'wrong_type',
      key: path,
      source: entry.source,
      message: `${describeSetting(key, entry.source)}: expected ${key.meta.expects}, without NUL characters, got ${showValue(entry.value, key.meta.secret)}`,
    });
  }
  return { usable, refused };
}

/** Recursive: values from a file or a variable are at most 64 levels deep (json-depth.ts). */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([name, child]) => name.includes('\u0000') || hasNul(child));
}

function validateUsable(entries: ReadonlyMap<string, Entry>): Validation {
  const current = new Map(entries);
  const findings: Finding[] = [];
  // Each round fixes what it can see; a correction may uncover one more (a corrected
  // restartDelayMs can make maxRestartDelayMs inconsistent), so allow a few rounds.
  for (let round = 0; round < 4; round += 1) {
    const tree = treeFrom(new Map([...current].map(([path, entry]) => [path, entry.value])));
    const result = consistentSchema.safeParse(tree, { reportInput: true });
    if (result.success) return { config: deepFreeze(result.data), findings };

    const errors = new Map<string, Finding>();
    const corrections = new Map<string, { used: number; finding: Finding }>();
    for (const issue of result.error.issues) {
      const key = keyOfIssuePath(issue.path);
      if (key === undefined) {
        errors.set(issue.path.join('.'), { severity: 'error', code: 'wrong_type', message: `${issue.path.join('.')}: ${issue.message}` });
        continue;
      }
      const entry = current.get(key.path) ?? entries.get(key.path);
      if (entry === undefined) continue;
      const correction = correctionFor(issue, key, entry, current);
      // Keys are compared only once each is in its own range: a later round does that.
      if (correction?.finding.code === 'inconsistent' && hasRangeIssue(result.error.issues)) continue;
      if (correction !== undefined) {
        if (!corrections.has(key.path)) corrections.set(key.path, correction);
      } else if (key.meta.kind === 'records' && !errors.has(key.path)) {
        errors.set(key.path, recordsError(issue, key, entry));
      } else if (!errors.has(key.path)) {
        errors.set(key.path, {
          severity: 'error',
          code: 'wrong_type',
          key: key.path,
          source: entry.source,
          given: key.meta.secret ? undefined : clipGiven(entry.value),
          message: `${describeSetting(key, entry.source)}: expected ${key.meta.expects}, got ${showValue(entry.value, key.meta.secret)}`,
        });
      }
    }
    if (errors.size > 0) {
      const corrected = [...corrections.values()].map(({ finding }) => finding);
      return { config: undefined, findings: [...findings, ...corrected, ...errors.values()] };
    }
    for (const [path, { used, finding }] of corrections) {
      const entry = current.get(path) as Entry;
      current.set(path, { ...entry, value: used });
      findings.push(finding);
    }
  }
  return { config: undefined, findings: [...findings, { severity: 'error', code: 'inconsistent', message: 'the config could not be corrected into a consistent one' }] };
}

function correctionFor(issue: z.core.$ZodIssue, key: ConfigKey, entry: Entry, current: ReadonlyMap<string, Entry>): { used: number; finding: Finding } | undefined {
  const exact = issue.path.map(String).join('.') === key.path;
  if (!exact) return undefined;
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number' && key.meta.range !== undefined) {
    const below = issue.code === 'too_small';
    const used = below ? key.meta.range.min : key.meta.range.max;
    return {
      used,
      finding: {
        severity: 'warning',
        code: 'out_of_range',
        key: key.path,
        source: entry.source,
        given: clipGiven(entry.value),
        used,
        message: `${describeSetting(key, entry.source)}: ${showValue(entry.value)} is ${below ? 'below the minimum' : 'above the maximum'} ${showNumber(key, used)}; using ${showNumber(key, used)}`,
      },
    };
  }
  if (issue.code === 'custom' && typeof issue.params?.['correctTo'] === 'number') {
    const used = issue.params['correctTo'] as number;
    const otherPath = String(issue.params['other']);
    const other = keyByPath(otherPath);
    const otherEntry = current.get(otherPath);
    const from = otherEntry === undefined || otherEntry.source.layer === 'default' ? '' : ` (set by ${describeWhere(otherEntry.source)})`;
    const relation = issue.params['mustBe'] === 'atLeast' ? 'less than' : 'more than';
    return {
      used,
      finding: {
        severity: 'warning',
        code: 'inconsistent',
        key: key.path,
        source: entry.source,
        given: clipGiven(entry.value),
        used,
        message: `${describeSetting(key, entry.source)}: ${showValue(entry.value)} is ${relation} ${otherPath} = ${other === undefined ? used : showNumber(other, used)}${from}; using ${showNumber(key, used)}`,
      },
    };
  }
  return undefined;
}

/**
 * A wrong entry of a list of records, named by its place: `hooks[1].url: not an http(s)
 * URL, got "ftp://x"`. A secret field's value is never shown, nor is a whole entry.
 */
function recordsError(issue: z.core.$ZodIssue, key: ConfigKey, entry: Entry): Finding {
  const inner = issue.path.slice(key.segments.length);
  const place = inner.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  const secretFields = key.meta.secretFields ?? [];
  // Anything inside a secret field is secret too: a header's value as much as the headers.
  const hidden = inner.some((part) => typeof part === 'string' && (secretFields.includes(part) || isSecretName(part)));
  const value = valueAt(entry.value, inner.map(String));
  // A URL in a secret field is shown by its origin: enough to tell which one is wrong.
  const origin = hidden && typeof value === 'string' ? originOnly(value) : undefined;
  const shown = value !== null && typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'an object') : origin !== undefined ? showValue(origin) : showValue(value, hidden);
  const what = inner.length === 0 ? `expected ${key.meta.expects}` : issue.message;
  return {
    severity: 'error',
    code: 'wrong_type',
    key: key.path,
    source: entry.source,
    given: redactValue(key.path, clipGiven(entry.value)),
    // An unknown field's message names the field: the entry it is in need not be shown.
    message: `${describeSetting(`${key.path}${place}`, entry.source)}: ${what}${issue.code === 'unrecognized_keys' ? '' : `, got ${inner.length === 0 ? showValue(redactValue(key.path, entry.value)) : shown}`}`,
  };
}

function hasRangeIssue(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.some((issue) => (issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number');
}

function describeWhere(source: ValueSource): string {
  switch (source.layer) {
    case 'file':
      return `${source.file}:${source.line}`;
    case 'env':
      return source.variable;
    case 'flag':
      return source.flag;
    default:
      return source.layer;
  }
}
