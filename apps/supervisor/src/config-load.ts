import { describeSetting, loadConfig, type LoadedConfig, type LoadOutcome } from '@mpm/config';
import { hookSpecsFrom } from './hooks/hook-spec.js';
import type { ConfigRequest } from './program.js';
import { nameFromCommand } from './run-options.js';

/**
 * Loads the config for a command line: its file and flags, this environment and directory.
 * A hook whose program cannot be found or run is an error here, as a bad value is: at
 * start, in `config validate` and `config print`, and on reload.
 */
export function loadFor(request: ConfigRequest, env: NodeJS.ProcessEnv, cwd: string): LoadOutcome {
  const outcome = loadConfig({ ...request, env, cwd, nameFromCommand });
  if (!outcome.ok) return outcome;
  const hooks = hookSpecsFrom(outcome.loaded, env, cwd);
  return hooks.ok ? outcome : { ok: false, errors: hooks.errors, warnings: outcome.warnings, file: outcome.loaded.file };
}

/**
 * The load a running supervisor repeats on SIGHUP. A config that no longer names a
 * command (possible only when the command came from the file) cannot be run: refused.
 */
export function reloaderFor(request: ConfigRequest, env: () => NodeJS.ProcessEnv, cwd: string): () => LoadOutcome {
  return () => {
    const outcome = loadFor(request, env(), cwd);
    if (!outcome.ok || outcome.loaded.config.command !== null) return outcome;
    const file = outcome.loaded.file ?? 'the config';
    return {
      ok: false,
      file: outcome.loaded.file,
      warnings: outcome.warnings,
      errors: [{ severity: 'error', code: 'wrong_type', key: 'command', message: `${file}: command: nothing to run any more` }],
    };
  };
}

/** How an error names the setting a value came from: "--log-file", "/etc/chat.json:4:5: log.file". */
export function settingName(loaded: LoadedConfig, path: string): string {
  const source = loaded.sources.get(path);
  if (source === undefined) return path;
  return source.layer === 'flag' ? source.flag : describeSetting(path, source);
}
