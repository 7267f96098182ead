import { isAbsolute, parse as parsePath, resolve } from 'node:path';
import { DEFAULT_CHILD_SETTINGS, isNodeCommand, type ChildSettings } from '@mpm/child';
import { DEFAULTS, type LogFormatSetting, type LogLevel } from './defaults.js';
import { UsageError } from './errors.js';

/** The `run` flags as commander hands them over, already parsed per flag. */
export interface RunFlags {
  readonly name?: string;
  readonly cwd?: string;
  readonly port?: number;
  readonly killTimeout?: number;
  readonly logFormat?: LogFormatSetting;
  readonly logLevel?: LogLevel;
  readonly logFile?: string;
}

export interface LogOptions {
  readonly level: LogLevel;
  readonly format: 'json' | 'pretty';
  readonly file: string | null;
  readonly maxSizeMb: number;
  readonly maxFiles: number;
}

/** Everything `run` needs, complete and frozen; resolved once, in resolveRunOptions. */
export interface RunOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's Socket.IO port, passed to it as PORT; null when not set. */
  readonly port: number | null;
  readonly child: ChildSettings;
  readonly log: LogOptions;
}

export interface RunContext {
  readonly cwd: string;
  readonly stdoutIsTTY: boolean;
}

export function resolveRunOptions(commandLine: readonly string[], flags: RunFlags, context: RunContext): RunOptions {
  const [command, ...args] = commandLine;
  if (command === undefined || command === '') {
    throw new UsageError('nothing to run: put the command after --, e.g. mpm-supervise -- node server.js');
  }
  const cwd = flags.cwd === undefined ? context.cwd : resolve(context.cwd, flags.cwd);
  const format = flags.logFormat ?? DEFAULTS.log.format;
  const logFile = flags.logFile ?? DEFAULTS.log.file;
  return Object.freeze({
    name: flags.name ?? nameFromCommand(command, args),
    command,
    args: Object.freeze([...args]),
    cwd,
    port: flags.port ?? DEFAULTS.child.port,
    // The other child.* settings have no flag yet; the controller's defaults are DEFAULTS.child.
    child: Object.freeze({ ...DEFAULT_CHILD_SETTINGS, killTimeoutMs: flags.killTimeout ?? DEFAULTS.child.killTimeoutMs }),
    log: Object.freeze({
      level: flags.logLevel ?? DEFAULTS.log.level,
      format: format === 'auto' ? (context.stdoutIsTTY ? 'pretty' : 'json') : format,
      file: logFile === null ? null : isAbsolute(logFile) ? logFile : resolve(context.cwd, logFile),
      maxSizeMb: DEFAULTS.log.maxSizeMb,
      maxFiles: DEFAULTS.log.maxFiles,
    }),
  });
}

/** `node server.js` → "server", `./bin/api --x` → "api": what an operator would call it. */
export function nameFromCommand(command: string, args: readonly string[]): string {
  const script = isNodeCommand(command) ? scriptOf(args) : undefined;
  const base = parsePath(script ?? command).name;
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return safe === '' ? DEFAULTS.name : safe;
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
