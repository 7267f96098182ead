import { isAbsolute, parse as parsePath, resolve } from 'node:path';
import { DEFAULT_CHILD_SETTINGS, isNodeCommand, type ChildSettings, type ChildSpec } from '@mpm/child';
import { defaultConfig, ENV_PREFIX, type Config, type LogLevel } from '@mpm/config';
import { UsageError } from './errors.js';
import { forensicsNodeOptions } from './forensics/node-options.js';

export interface LogOptions {
  readonly level: LogLevel;
  readonly format: 'json' | 'pretty';
  readonly file: string | null;
  readonly maxSizeMb: number;
  readonly maxFiles: number;
}

/** Everything `run` needs from the config, complete and frozen; made in one place, here. */
export interface RunOptions {
  readonly name: string;
  /** What is spawned: command, args, cwd and the variables added to the environment. */
  readonly spec: ChildSpec;
  /** The child's Socket.IO port, passed to it as PORT; null when not set. */
  readonly port: number | null;
  readonly child: ChildSettings;
  readonly log: LogOptions;
}

export interface RunContext {
  readonly cwd: string;
  readonly stdoutIsTTY: boolean;
}

/** The config as `run` uses it. A config without a command is a usage error (exit 64). */
export function runOptionsFrom(config: Config, context: RunContext): RunOptions {
  const [command, ...args] = config.command ?? [];
  if (command === undefined) {
    throw new UsageError('nothing to run: put the command after --, e.g. mpm-supervise -- node server.js (or set "command" in the config file)');
  }
  const port = config.child.port;
  return Object.freeze({
    name: config.name,
    spec: Object.freeze({
      command,
      args: Object.freeze(args),
      cwd: config.cwd === null ? context.cwd : resolve(context.cwd, config.cwd),
      env: Object.freeze(port === null ? { ...config.env } : { ...config.env, PORT: String(port) }),
      // The supervisor's own settings (MPM_HTTP_TOKEN among them) are not the child's business.
      hideEnvPrefix: ENV_PREFIX,
      ipc: 'auto' as const,
      // Ahead of the child's own NODE_OPTIONS, which may still set another inspector port.
      nodeOptions: forensicsNodeOptions(config.recovery.forensics.enabled),
    }),
    port,
    child: Object.freeze({
      ...DEFAULT_CHILD_SETTINGS,
      stopSignal: config.child.stopSignal,
      killTimeoutMs: config.child.killTimeoutMs,
      // child.restartDelayMs and the like are not the controller's: recovery reads them.
    }),
    log: logOptionsFrom(config, context),
  });
}

export function logOptionsFrom(config: Config, context: RunContext): LogOptions {
  const { level, format, file, maxSizeMb, maxFiles } = config.log;
  return Object.freeze({
    level,
    format: format === 'auto' ? (context.stdoutIsTTY ? 'pretty' : 'json') : format,
    file: file === null ? null : isAbsolute(file) ? file : resolve(context.cwd, file),
    maxSizeMb,
    maxFiles,
  });
}

/** The name a service gets when none is set: the default name of the config schema. */
const FALLBACK_NAME = defaultConfig().name;

/** `node server.js` → "server", `./bin/api --x` → "api": what an operator would call it. */
export function nameFromCommand(commandLine: readonly string[]): string {
  const [command = '', ...args] = commandLine;
  const script = isNodeCommand(command) ? scriptOf(args) : undefined;
  const base = parsePath(script ?? command).name;
  const safe = base
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '')
    .slice(0, 64);
  return safe === '' ? FALLBACK_NAME : safe;
}

/** The script a node command line runs: the first operand that looks like a path. */
function scriptOf(args: readonly string[]): string | undefined {
  for (const [index, arg] of args.entries()) {
    if (arg.startsWith('-')) {
      // The code of `node -e CODE` or `-p CODE` is not a script: no name to take from it.
      if (['-e', '--eval', '-p', '--print'].includes(arg)) return undefined;
      continue;
    }
    const previous = args[index - 1];
    if (previous === '-r' || previous === '--require' || previous === '--import') continue;
    return /^[\w./@-]+$/.test(arg) ? arg : undefined;
  }
  return undefined;
}
