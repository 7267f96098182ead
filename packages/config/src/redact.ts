import { CONFIG_KEYS, keyByPath, treeFrom, valueAt } from './keys.js';
import type { Config } from './schema.js';

export const REDACTED = '[redacted]';

/** Names of variables, flags and URL parts that hold secrets. */
const SECRET_NAME = /pass(word|wd|phrase)?|secret|token|api[_-]?key|private|credential|auth|session|cookie|signature|salt|(^|[_-])(key|dsn|pwd)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A URL with its password and secret-looking query values hidden; the rest of the text
 * is left exactly as written. Anything that is not a URL comes back as it is.
 */
export function redactUrl(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  let out = text;
  if (url.password !== '') out = out.replace(`:${url.password}@`, `:${REDACTED}@`);
  return out.replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, separator: string, name: string) => (isSecretName(decodeURIComponent(name)) ? `${separator}${name}=${REDACTED}` : whole));
}

/** An argv with the values of `--password=x`, `--token x` and URL passwords hidden. */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of args) {
    if (hideNext) {
      out.push(REDACTED);
      hideNext = false;
      continue;
    }
    const option = /^(--?[\w.-]+)(=(.*))?$/.exec(arg);
    if (option !== null && isSecretName(option[1] as string)) {
      if (option[2] === undefined) {
        hideNext = true;
        out.push(arg);
      } else {
        out.push(`${option[1]}=${REDACTED}`);
      }
      continue;
    }
    out.push(option?.[3] === undefined ? redactUrl(arg) : `${option[1]}=${redactUrl(option[3])}`);
  }
  return out;
}

/** One key's value as it may be shown (logs, `config print`, /diagnostics). */
export function redactValue(path: string, value: unknown): unknown {
  const key = keyByPath(path);
  if (value === null || value === undefined) return value;
  if (key?.meta.secret === true) return REDACTED;
  if (key?.meta.kind === 'map' && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, text]) => [name, isSecretName(name) ? REDACTED : typeof text === 'string' ? redactUrl(text) : text]));
  }
  if (key?.meta.kind === 'list' && Array.isArray(value)) return redactArgs(value as string[]);
  if (key?.meta.kind === 'records' && Array.isArray(value)) return value.map((entry: unknown) => redactEntry(entry, key.meta.secretFields ?? []));
  if (key?.meta.kind === 'url' && typeof value === 'string') return redactUrl(value);
  return value;
}

/**
 * One entry of a `records` key as it may be shown: its secret fields and any field with a
 * secret-looking name hidden, URLs without passwords, argv lists without secret values.
 */
export function redactEntry(entry: unknown, secretFields: readonly string[]): unknown {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return entry;
  return Object.fromEntries(
    Object.entries(entry as Record<string, unknown>).map(([name, value]) => {
      if (value !== null && secretFields.includes(name)) return [name, redactSecretField(value)];
      if (value !== null && isSecretName(name)) return [name, REDACTED];
      return [name, redactNested(value)];
    }),
  );
}

/**
 * A secret field of an entry as it may be shown: a URL by its origin alone (a webhook URL's
 * path and query are often its only credential), an object by its names with every value
 * hidden (headers), anything else not at all.
 */
export function redactSecretField(value: unknown): unknown {
  if (typeof value === 'string') return originOnly(value) ?? REDACTED;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.fromEntries(Object.keys(value).map((name) => [name, REDACTED]));
  return REDACTED;
}

/** "https://hooks.slack.com/[redacted]"; undefined for text that is not a URL with a host. */
export function originOnly(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  if (url.host === '') return undefined;
  const tail = `${url.pathname}${url.search}${url.hash}`;
  const rest = tail === '' || tail === '/' ? '' : `/${REDACTED}`;
  const credentials = url.username !== '' || url.password !== '' ? `${REDACTED}@` : '';
  return `${url.protocol}//${credentials}${url.host}${rest}`;
}

function redactNested(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.every((item) => typeof item === 'string') ? redactArgs(value) : value.map(redactNested);
  if (value !== null && typeof value === 'object') return redactEntry(value, []);
  return value;
}

/** The whole config with every secret hidden, as a plain nested object. */
export function redactConfig(config: Config): Record<string, unknown> {
  return treeFrom(new Map(CONFIG_KEYS.map((key) => [key.path, redactValue(key.path, structuredClone(valueAt(config, key.segments)))])));
}
