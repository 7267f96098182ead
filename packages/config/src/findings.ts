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

export type FindingCode = 'unreadable' | 'not_json' | 'wrong_type' | 'out_of_range' | 'inconsistent' | 'unknown_key';

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

/** A name from the input as a message shows it: quoted, with control characters escaped. */
export function showName(name: string): string {
  return JSON.stringify(name);
}

/** A value as a message shows it: JSON, shortened; a secret only by its type. */
export function showValue(value: unknown, secret = false): string {
  if (secret) return value === null ? 'null' : `a ${Array.isArray(value) ? 'list' : typeof value} (hidden)`;
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}
