import { CONFIG_KEYS, keyByEnv, type ConfigKey } from './keys.js';
import { showName, type Assignment, type Finding, type LayerResult } from './findings.js';
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
        key: variable,
        source: { layer: 'env', variable },
        ...(suggestion === undefined ? {} : { suggestion }),
        message: `unknown variable ${/^\w+$/.test(variable) ? variable : showName(variable)}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; it is ignored`,
      });
      continue;
    }
    assignments.push({ key, value: fromText(raw, key), source: { layer: 'env', variable } });
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
      return NUMBER.test(text) ? Number(text) : raw;
    case 'boolean': {
      const lower = text.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : raw;
    }
    case 'list':
    case 'map':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}
