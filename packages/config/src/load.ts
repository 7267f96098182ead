import { dirname, isAbsolute, resolve } from 'node:path';
import { CONFIG_FILE_VARIABLE, readEnvironment } from './env-layer.js';
import { readConfigFile } from './file-layer.js';
import { capFindings } from './cap.js';
import { loadFailed, type Assignment, type Finding, type ValueSource } from './findings.js';
import { CONFIG_KEYS, keyByPath } from './keys.js';
import type { Config } from './schema.js';
import { validateEntries, type Entry } from './validate.js';

/** A value a `run` flag gave, already read as the key's kind by the CLI. */
export interface FlagValue {
  readonly path: string;
  readonly flag: string;
  readonly value: unknown;
}

export interface LoadRequest {
  /** `--config`, as given; without it `MPM_CONFIG` names the file, if set. */
  readonly configFile: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags: readonly FlagValue[];
  /** The command after `--`; when given it wins over the `command` key. */
  readonly commandLine: readonly string[];
  /** Relative paths from the environment and flags are taken from here. */
  readonly cwd: string;
  /** Names the service after its command when `name` is not set anywhere. */
  readonly nameFromCommand?: (command: readonly string[]) => string;
}

/** A valid configuration and where each of its values came from. */
export interface LoadedConfig {
  readonly config: Config;
  readonly sources: ReadonlyMap<string, ValueSource>;
  /** The config file read, absolute; null when there is none. */
  readonly file: string | null;
}

export type LoadOutcome =
  | { readonly ok: true; readonly loaded: LoadedConfig; readonly warnings: readonly Finding[] }
  | { readonly ok: false; readonly errors: readonly Finding[]; readonly warnings: readonly Finding[]; readonly file: string | null };

/**
 * Builds the configuration from its layers: defaults < config file < `MPM_*` variables
 * < flags < the command line. Nothing here throws: what is wrong comes back as findings,
 * errors (no config) or warnings (corrected or ignored), at most 20 of a kind.
 */
export function loadConfig(request: LoadRequest): LoadOutcome {
  let file: string | null = null;
  try {
    const fileSetting = request.configFile ?? emptyToNull(request.env[CONFIG_FILE_VARIABLE]);
    file = fileSetting === null ? null : resolve(request.cwd, fileSetting);
    return capped(loadLayers(request, file));
  } catch (error) {
    // A bug, or an input nobody foresaw: still a refused config (exit 78 at start, a
    // refused reload), never an exception that takes the supervisor and its child down.
    return { ok: false, errors: [loadFailed(file, error)], warnings: [], file };
  }
}

function capped(outcome: LoadOutcome): LoadOutcome {
  const warnings = capFindings(outcome.warnings);
  return outcome.ok ? { ...outcome, warnings } : { ...outcome, errors: capFindings(outcome.errors), warnings };
}

function loadLayers(request: LoadRequest, file: string | null): LoadOutcome {
  const entries = new Map<string, Entry>(CONFIG_KEYS.map((key) => [key.path, { value: structuredClone(key.meta.default), source: { layer: 'default' } }]));
  const findings: Finding[] = [];

  if (file !== null) {
    const layer = readConfigFile(file);
    // Not push(...): a list of 100,000 findings is more arguments than a call takes.
    for (const finding of layer.findings) findings.push(finding);
    apply(entries, layer.assignments, dirname(file));
  }
  const environment = readEnvironment(request.env);
  for (const finding of environment.findings) findings.push(finding);
  apply(entries, environment.assignments, request.cwd);
  apply(entries, request.flags.map(flagAssignment), request.cwd);
  if (request.commandLine.length > 0) {
    entries.set('command', { value: [...request.commandLine], source: { layer: 'command_line' } });
  }
  deriveName(entries, request.nameFromCommand);

  const failed = findings.filter((finding) => finding.severity === 'error');
  if (failed.length > 0) return { ok: false, errors: failed, warnings: findings.filter((finding) => finding.severity === 'warning'), file };

  const validation = validateEntries(entries);
  const all = [...findings, ...validation.findings];
  const errors = all.filter((finding) => finding.severity === 'error');
  const warnings = all.filter((finding) => finding.severity === 'warning');
  if (validation.config === undefined || errors.length > 0) return { ok: false, errors, warnings, file };
  const sources = new Map([...entries].map(([path, entry]) => [path, entry.source]));
  return { ok: true, loaded: Object.freeze({ config: validation.config, sources, file }), warnings };
}

function emptyToNull(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value;
}

function flagAssignment(flag: FlagValue): Assignment {
  const key = keyByPath(flag.path);
  if (key === undefined) throw new Error(`flag ${flag.flag} sets an unknown key ${flag.path}`);
  return { key, value: flag.value, source: { layer: 'flag', flag: flag.flag } };
}

/** Later assignments win; a relative path is taken from the layer's base directory. */
function apply(entries: Map<string, Entry>, assignments: readonly Assignment[], base: string): void {
  for (const { key, value, source } of assignments) {
    entries.set(key.path, { value: resolvePaths(key, value, base), source });
  }
}

function resolvePaths(key: Assignment['key'], value: unknown, base: string): unknown {
  const fromBase = (path: unknown): unknown => (typeof path === 'string' && path !== '' && !isAbsolute(path) ? resolve(base, path) : path);
  if (key.meta.kind === 'path') return fromBase(value);
  const fields = key.meta.pathFields ?? [];
  if (key.meta.kind !== 'records' || fields.length === 0 || !Array.isArray(value)) return value;
  return value.map((entry: unknown) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return entry;
    const copy: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
    for (const field of fields) if (Object.hasOwn(copy, field)) copy[field] = fromBase(copy[field]);
    return copy;
  });
}

function deriveName(entries: Map<string, Entry>, nameFromCommand: LoadRequest['nameFromCommand']): void {
  const name = entries.get('name');
  const command = entries.get('command')?.value;
  if (nameFromCommand === undefined || name?.source.layer !== 'default' || !Array.isArray(command) || command.length === 0) return;
  if (!command.every((part): part is string => typeof part === 'string')) return;
  entries.set('name', { value: nameFromCommand(command), source: { layer: 'derived', from: 'the command' } });
}
