import type { ConfigKey } from './keys.js';

/** Where a value came from; the later layer wins: default < file < env < flag < command line. */
export type ValueSource =
  | { readonly layer: 'default' }
  | { readonly layer: 'file'; readonly file: string; readonly line: number; readonly column: number }
  | { readonly layer: 'env'; readonly variable: string }
  | { readonly layer: 'flag'; readonly flag: string }
  | { readonly layer: 'command_line' }
  | { readonly layer: 'derived'; readonly from: string };

/** "default", "file /etc/chat.json:4", "env MPM_LOG_LEVEL", "flag --port", "command line". */
export function describeSource(source: ValueSource): string {
  switch (source.layer) {
    case 'default':
      return 'default';
    case 'file':
      return `file ${source.file}:${source.line}`;
    case 'env':
      return `env ${source.variable}`;
    case 'flag':
      return `flag ${source.flag}`;
    case 'command_line':
      return 'command line';
    case 'derived':
      return `derived from ${source.from}`;
  }
}

/** The start of a finding's message: names the place and the key. */
export function describeSetting(key: ConfigKey | string, source: ValueSource): string {
  const path = typeof key === 'string' ? key : key.path;
  switch (source.layer) {
    case 'file':
      return `${source.file}:${source.line}:${source.column}: ${path}`;
    case 'env':
      return `${source.variable} (${path})`;
    case 'flag':
      return `${source.flag} (${path})`;
    case 'command_line':
      return `the command line (${path})`;
    default:
      return path;
  }
}

export type FindingCode = 'unreadable' | 'not_json' | 'too_deep' | 'too_big' | 'wrong_type' | 'out_of_range' | 'inconsistent' | 'unknown_key' | 'unusable_name' | 'load_failed';

/**
 * Something the config check found. Errors stop a start (exit 78) or refuse a reload;
 * warnings are logged and the supervisor goes on with the corrected value.
 */
export interface Finding {
  readonly severity: 'error' | 'warning';
  readonly code: FindingCode;
  /** One line a user can act on; never a stack trace. */
  readonly message: string;
  readonly key?: string;
  readonly source?: ValueSource;
  readonly given?: unknown;
  readonly used?: unknown;
  readonly suggestion?: string;
  /** Set on the one finding that stands for this many more of its kind, not shown. */
  readonly omitted?: number;
}

/** A value for one key from one layer. */
export interface Assignment {
  readonly key: ConfigKey;
  readonly value: unknown;
  readonly source: ValueSource;
}

/** What a layer read: its values and what it found wrong. */
export interface LayerResult {
  readonly assignments: readonly Assignment[];
  readonly findings: readonly Finding[];
}

const MAX_SHOWN = 60;

/**
 * Characters JSON.stringify leaves as they are but a terminal or an editor obeys: DEL and
 * the C1 controls (U+009B is a CSI, as ESC [ is), invisible format characters, bidi
 * overrides and isolates (text that reads in another order than it is), line separators.
 */
const UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A name from the input as it may be shown and logged, without quotes: at most 60
 * characters (then "…"), with every control, bidi and invisible character escaped.
 */
export function safeName(name: string): string {
  const cut = name.length > MAX_SHOWN ? name.slice(0, MAX_SHOWN).replace(/[\ud800-\udbff]$/, '') : name;
  return `${escapeUnsafe(JSON.stringify(cut).slice(1, -1))}${cut === name ? '' : '…'}`;
}

/** A name from the input as a message shows it: quoted, shortened, with control characters escaped. */
export function showName(name: string): string {
  return `"${safeName(name)}"`;
}

/** A value as a message shows it: JSON, shortened, controls escaped; a secret only by its type. */
export function showValue(value: unknown, secret = false): string {
  if (secret) return value === null ? 'null' : `a ${Array.isArray(value) ? 'list' : typeof value} (hidden)`;
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'not a number' : 'a number too large';
  const text = value === undefined ? 'nothing' : escapeUnsafe(JSON.stringify(value) ?? String(value));
  return text.length <= MAX_SHOWN ? text : `${cutOutsideEscape(text, MAX_SHOWN - 1)}…`;
}

/** The first `length` characters, less an escape cut in two: "\\u00" alone would read as something else. */
function cutOutsideEscape(text: string, length: number): string {
  const cut = text.slice(0, length);
  const partial = /\\(u[0-9a-f]{0,3})?$/.exec(cut);
  if (partial === null) return cut;
  let backslashes = 0;
  for (let index = partial.index - 1; index >= 0 && cut[index] === '\\'; index -= 1) backslashes += 1;
  // An odd number before it: this backslash is itself escaped ("\\\\"), and complete.
  return backslashes % 2 === 0 ? cut.slice(0, partial.index) : cut;
}

/** A value kept in a finding (and so in a log record): a long string is cut short. */
export function clipGiven(value: unknown): unknown {
  return typeof value === 'string' && value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
}

/** An exception's message as one line of a finding: controls out, at most 300 characters. */
export function oneLine(text: string): string {
  const line = escapeUnsafe(text.replace(/[\u0000-\u001f]+/g, ' ').trim());
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** An exception while loading (a bug, or an input nobody foresaw): an error, never a crash. */
export function loadFailed(file: string | null, error: unknown): Finding {
  const reason = oneLine(error instanceof Error ? error.message : String(error));
  return { severity: 'error', code: 'load_failed', message: `${file === null ? '' : `${file}: `}the config could not be loaded: ${reason}` };
}
