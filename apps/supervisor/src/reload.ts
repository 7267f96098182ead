import { isDeepStrictEqual } from 'node:util';
import type { ChildController } from '@mpm/child';
import { describeSource, formatExactDuration, keyByPath, loadFailed, showValue, type Finding, type KeyChange, type LiveConfig, type LoadedConfig, type ReloadOutcome } from '@mpm/config';
import type winston from 'winston';
import type { SupervisorLog } from './logging/logger.js';
import { runOptionsFrom, type RunContext } from './run-options.js';

/**
 * Applies each new config to the running supervisor without touching the child:
 * child settings and log settings at once; a new command, directory, environment or
 * port is kept for the next spawn.
 */
export function followConfig(live: LiveConfig, controller: ChildController, log: SupervisorLog, context: RunContext): () => void {
  return live.subscribe((change) => {
    const next = runOptionsFrom(change.next, context);
    controller.updateSettings(next.child);
    if (!isDeepStrictEqual(controller.spec, next.spec)) controller.updateSpec(next.spec);
    if (change.touches('log')) log.reconfigure(next.log);
  });
}

/** Says at start which config the supervisor runs with, so that nobody has to guess. */
export function logConfigLoaded(logger: winston.Logger, loaded: LoadedConfig): void {
  const counts = { file: 0, env: 0, flag: 0 };
  for (const source of loaded.sources.values()) {
    if (source.layer === 'file' || source.layer === 'env' || source.layer === 'flag') counts[source.layer] += 1;
  }
  const origin = loaded.file === null ? 'no config file' : `config file ${loaded.file}`;
  logger.info(`config: ${origin}; values in effect from the file: ${counts.file}, from MPM_* variables: ${counts.env}, from flags: ${counts.flag}`, {
    event: 'config_loaded',
    file: loaded.file,
    keysFromFile: counts.file,
    keysFromEnv: counts.env,
    keysFromFlags: counts.flag,
  });
}

/** Logs each config warning (a corrected value, an unknown key) as its own record. */
export function logConfigWarnings(logger: winston.Logger, warnings: readonly Finding[]): void {
  for (const warning of warnings) {
    logger.warn(warning.message, {
      event: 'config_warning',
      finding: warning.code,
      ...(warning.key === undefined ? {} : { key: warning.key }),
      ...(warning.source === undefined ? {} : { from: describeSource(warning.source) }),
      ...(warning.used === undefined ? {} : { given: warning.given, used: warning.used }),
      ...(warning.suggestion === undefined ? {} : { suggestion: warning.suggestion }),
      ...(warning.omitted === undefined ? {} : { omitted: warning.omitted }),
    });
  }
}

/**
 * SIGHUP: load the config again and say what happened, key by key. Whatever the loader
 * throws is a refused reload: the running config stays and the child is not touched.
 */
export function reloadConfig(live: LiveConfig, logger: winston.Logger): void {
  let outcome: ReloadOutcome;
  try {
    outcome = live.reload();
  } catch (error) {
    outcome = { kind: 'refused', errors: [loadFailed(live.loaded.file, error)], warnings: [] };
  }
  logConfigWarnings(logger, outcome.warnings);
  const file = live.loaded.file;
  switch (outcome.kind) {
    case 'refused': {
      const reasons = outcome.errors.map((error) => error.message);
      const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : '';
      logger.error(`config reload refused, the running config stays: ${reasons[0] ?? 'invalid config'}${more}`, {
        event: 'config_reload_refused',
        file,
        errors: reasons,
      });
      return;
    }
    case 'unchanged':
      logger.info('config reloaded: nothing changed', { event: 'config_reloaded', file, changes: [] });
      return;
    case 'applied': {
      const later = outcome.changes.filter((change) => change.applies !== 'now');
      logger.info(`config reloaded: ${outcome.changes.map(describeChange).join(', ')}${describeLater(later)}`, {
        event: 'config_reloaded',
        file,
        changes: outcome.changes,
      });
      for (const error of outcome.listenerErrors) {
        logger.error(`could not apply all of the new config: ${error instanceof Error ? error.message : String(error)}`, { event: 'config_apply_failed' });
      }
    }
  }
}

function describeChange(change: KeyChange): string {
  const kind = keyByPath(change.key)?.meta.kind;
  const show = (value: unknown): string => (kind === 'duration' && typeof value === 'number' ? formatExactDuration(value) : kind === 'records' ? namesOf(value) : showValue(value));
  return `${change.key} ${show(change.from)} → ${show(change.to)}`;
}

/** A list of records by the names of its entries, `[api, redis]`, when they have names; else as any value. */
function namesOf(value: unknown): string {
  if (!Array.isArray(value) || !value.every((entry) => typeof (entry as { name?: unknown } | null)?.name === 'string')) return showValue(value);
  return `[${value.map((entry) => (entry as { name: string }).name).join(', ')}]`;
}

function describeLater(later: readonly KeyChange[]): string {
  const atRestart = later.filter((change) => change.applies === 'next_restart').map((change) => change.key);
  const atSupervisorRestart = later.filter((change) => change.applies === 'supervisor_restart').map((change) => change.key);
  const parts = [
    ...(atRestart.length === 0 ? [] : [`${atRestart.join(', ')} ${atRestart.length === 1 ? 'applies' : 'apply'} at the next restart of the child`]),
    ...(atSupervisorRestart.length === 0 ? [] : [`${atSupervisorRestart.join(', ')} ${atSupervisorRestart.length === 1 ? 'applies' : 'apply'} when the supervisor restarts`]),
  ];
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}
