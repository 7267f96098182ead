import { offsetTooDeep } from './json-depth.js';
import { CONFIG_KEYS, keyByEnv, type ConfigKey } from './keys.js';
import { safeName, showName, type Assignment, type Finding, type LayerResult } from './findings.js';
import { suggestName } from './suggest.js';

export const ENV_PREFIX = 'MPM_';
/** Variables with the prefix that are not config keys. */
export const CONFIG_FILE_VARIABLE = 'MPM_CONFIG';
const NOT_KEYS = new Set([CONFIG_FILE_VARIABLE]);

const KNOWN_VARIABLES = [...CONFIG_KEYS.map((key) => key.env), ...NOT_KEYS];

/** MPM_PORT, MPM_KILL_TIMEOUT…: a variable named after a flag means that flag's key. */
const FLAG_ALIASES = new Map(
  CONFIG_KEYS.flatMap((key) => {
    const flag = key.meta.flag?.replace(/^--(no-)?/, '');
    const alias = flag === undefined ? undefined : `${ENV_PREFIX}${flag.replaceAll('-', '_').toUpperCase()}`;
    return alias === undefined || alias === key.env ? [] : [[alias, key.env] as const];
  }),
);

/**
 * Reads the `MPM_*` variables. Each is text: it is read as the key's kind (numbers,
 * true/false, null, JSON for lists and maps); what does not read is passed on as text,
 * so that validation names the variable and what was expected.
 */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): LayerResult {
  const assignments: Assignment[] = [];
  const findings: Finding[] = [];
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || raw === undefined || NOT_KEYS.has(variable)) continue;
    const key = keyByEnv(variable);
    if (key === undefined) {
      const suggestion = FLAG_ALIASES.get(variable) ?? suggestName(variable, KNOWN_VARIABLES, '_');
      findings.push({
        severity: 'warning',
        code: 'unknown_key',
        key: safeName(variable),
        source: { layer: 'env', variable: safeName(variable) },
        ...(suggestion === undefined ? {} : { suggestion }),
        message: `unknown variable ${/^\w{1,60}$/.test(variable) ? variable : showName(variable)}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; it is ignored`,
      });
      continue;
    }
    const value = fromText(raw, key);
    if (key.meta.kind === 'map' && isObject(value) && Object.hasOwn(value, '__proto__')) {
      // JSON.parse makes "__proto__" an own key, which the validated copy would lose without a word.
      delete value['__proto__'];
      findings.push({
        severity: 'warning',
        code: 'unusable_name',
        key: `${key.path}.__proto__`,
        source: { layer: 'env', variable },
        message: `${variable} (${key.path}): ${key.path}.__proto__ is not a usable variable name; it is ignored`,
      });
    }
    assignments.push({ key, value, source: { layer: 'env', variable } });
  }
  return { assignments, findings };
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
const NUMBER = /^-?\d+(\.\d+)?$/;

/** A variable's text as a value of the key's kind. */
export function fromText(raw: string, key: ConfigKey): unknown {
  const text = raw.trim();
  if (key.meta.nullable && (text === '' || text === 'null')) return null;
  switch (key.meta.kind) {
    case 'integer':
    case 'number':
    case 'port':
      // 400 digits read as Infinity: kept as text, so that the message shows what was given.
      return NUMBER.test(text) && Number.isFinite(Number(text)) ? Number(text) : raw;
    case 'boolean': {
      const lower = text.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : raw;
    }
    case 'list':
    case 'map':
    case 'records': {
      const json = fromJson(text);
      return json === undefined ? raw : json.value;
    }
    default:
      return raw;
  }
}

/**
 * JSON from a variable, or undefined when it is not usable as it is: not JSON, nested
 * deeper than a config may be (what is done with it later recurses), or holding a number
 * too large for a double (1e309 parses as Infinity).
 */
function fromJson(text: string): { readonly value: unknown } | undefined {
  if (offsetTooDeep(text) !== undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return hasNonFinite(value) ? undefined : { value };
  } catch {
    return undefined;
  }
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasNonFinite);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
