import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CONFIG_KEYS, formatExactDuration, parseDuration, type ConfigKey, type FlagValue } from '@mpm/config';
import { ExitCode } from './exit-codes.js';

/** What the command line says about the config: the file, the flags given and the command. */
export interface ConfigRequest {
  readonly configFile: string | null;
  readonly flags: readonly FlagValue[];
  readonly commandLine: readonly string[];
}

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'run'; readonly request: ConfigRequest }
  | { readonly kind: 'config_print'; readonly request: ConfigRequest; readonly sources: boolean }
  | { readonly kind: 'config_validate'; readonly request: ConfigRequest }
  | { readonly kind: 'status'; readonly lookup: LookupRequest; readonly json: boolean }
  | { readonly kind: 'logs'; readonly lookup: LookupRequest; readonly logs: LogsRequest }
  | { readonly kind: 'exit'; readonly exitCode: ExitCode };

/** How `status` and `logs` find a running supervisor: flags given, null where not. */
export interface LookupRequest {
  readonly name: string | null;
  readonly stateDir: string | null;
  /** A config file to take name, stateDir, http.token and log.file from (as run would). */
  readonly configFile: string | null;
}

export type LogSource = 'child' | 'supervisor';

/** What `logs` prints. */
export interface LogsRequest {
  readonly lines: number;
  readonly follow: boolean;
  readonly source: LogSource | null;
  readonly json: boolean;
  /** Read this log file instead of the one the state file names. */
  readonly file: string | null;
}

export interface ProgramOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/**
 * Parses argv (without the node and script entries) with commander. Usage errors are
 * printed as one line and come back as exit 64; --help and --version as exit 0.
 */
export function parseCommandLine(argv: readonly string[], version: string, output: ProgramOutput): Invocation {
  let invocation: Invocation | undefined;
  const program = new Command('mpm-supervise')
    .description('Runs a Socket.IO server as a child process, watches it from the outside and restarts it when it fails.')
    .version(version, '-V, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.writeOut(text),
      writeErr: (text) => output.writeErr(text),
      outputError: (text, write) => write(`mpm-supervise: ${text.replace(/^error: /, '')}`),
    });

  program.addHelpText(
    'after',
    `
Usage of the default command:
  mpm-supervise [run] [options] -- <command> [args...]

Examples:
  mpm-supervise --port 3000 -- node server.js
  mpm-supervise --config /etc/mpm/chat.json --log-file /var/log/chat.log -- node dist/main.js
  mpm-supervise status
  mpm-supervise logs -f --source child
  mpm-supervise config print --config /etc/mpm/chat.json --sources

Options of run: mpm-supervise run --help`,
  );

  const run = program
    .command('run', { isDefault: true })
    .description('run a command under supervision (the default)')
    .usage('[options] -- <command> [args...]')
    .argument('[command...]', 'the command to supervise and its arguments, after --')
    .passThroughOptions()
    .action((commandLine: string[]) => {
      invocation = { kind: 'run', request: requestOf(run, commandLine) };
    });
  addConfigOptions(run);

  const config = program.command('config').description('show or check the configuration that run would use');
  const print = config
    .command('print')
    .description('print the effective config as JSON, secrets redacted')
    .usage('[options] [-- <command> [args...]]')
    .argument('[command...]', 'the command, as run would get it')
    .option('--sources', 'also say where each value came from (default, file, env, flag)')
    .action((commandLine: string[], options: { sources?: boolean }) => {
      invocation = { kind: 'config_print', request: requestOf(print, commandLine), sources: options.sources === true };
    });
  addConfigOptions(print);
  const validate = config
    .command('validate')
    .description('check the config; exit 0 when it can be used (perhaps corrected), 78 when not')
    .usage('[options] [-- <command> [args...]]')
    .argument('[command...]', 'the command, as run would get it')
    .action((commandLine: string[]) => {
      invocation = { kind: 'config_validate', request: requestOf(validate, commandLine) };
    });
  addConfigOptions(validate);

  const status = program
    .command('status')
    .description('show the running supervisors: child, health, breaker and last recovery (exit 3 when none runs)')
    .option('--json', 'print the raw data as JSON')
    .action((options: { json?: boolean }) => {
      invocation = { kind: 'status', lookup: lookupOf(status), json: options.json === true };
    });
  addLookupOptions(status);

  const logs = program
    .command('logs')
    .description("print the last lines of a supervisor's log file; -f follows it across rotation")
    .option('-n, --lines <n>', 'how many lines to print first', lineCount, 50)
    .option('-f, --follow', 'keep printing lines as they are written, across rotation')
    .addOption(new Option('--source <source>', "only the child's output or only the supervisor's events").choices(['child', 'supervisor']))
    .option('--json', 'print the JSON lines as they are in the file')
    .option('--file <file>', 'read this log file (default: the one the running supervisor writes)')
    .action((options: { lines: number; follow?: boolean; source?: LogSource; json?: boolean; file?: string }) => {
      invocation = {
        kind: 'logs',
        lookup: lookupOf(logs),
        logs: { lines: options.lines, follow: options.follow === true, source: options.source ?? null, json: options.json === true, file: options.file ?? null },
      };
    });
  addLookupOptions(logs);

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with 0; help shown for a missing subcommand ends with 1.
      return { kind: 'exit', exitCode: error.exitCode === 0 ? ExitCode.ok : ExitCode.usage };
    }
    throw error;
  }
  return invocation ?? { kind: 'exit', exitCode: ExitCode.usage };
}

/** The options by which `status` and `logs` pick a supervisor. */
function addLookupOptions(command: Command): void {
  command
    .option('--name <name>', 'the supervisor of this name (default: every one found; also MPM_NAME)')
    .option('--state-dir <dir>', 'where supervisors write their state files (also MPM_STATE_DIR)')
    .option('--config <file>', 'take name, stateDir, http.token and log.file from this config file');
}

function lookupOf(command: Command): LookupRequest {
  const value = (name: string): string | null => (command.getOptionValue(name) as string | undefined) ?? null;
  return { name: value('name'), stateDir: value('stateDir'), configFile: value('config') };
}

function lineCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number of lines (0 or more).');
  return Number(value);
}

/** The keys a `run` flag sets, with the commander option for each. */
const FLAG_KEYS = CONFIG_KEYS.filter((key): key is ConfigKey & { meta: { flag: string } } => key.meta.flag !== undefined);

/** `--config` and one option per config key that has a flag, all made from the schema. */
function addConfigOptions(command: Command): void {
  command.option('--config <file>', 'Read settings from this JSON file (also MPM_CONFIG)');
  for (const key of FLAG_KEYS) command.addOption(optionFor(key));
}

function optionFor(key: ConfigKey & { meta: { flag: string } }): Option {
  const { flag, kind, description } = key.meta;
  const fallback = key.meta.default;
  const shown = fallback === null || kind === 'boolean' ? '' : `, default ${kind === 'duration' ? formatExactDuration(fallback as number) : String(fallback)}`;
  const help = `${key.meta.flagHelp ?? description} (${key.path}${shown})`;
  if (kind === 'boolean') return new Option(flag, help);
  const option = new Option(`${flag} <${placeholder(key)}>`, help);
  switch (kind) {
    case 'duration':
      return option.argParser(durationParser(flag));
    case 'integer':
    case 'number':
      return option.argParser(numberParser(kind === 'integer'));
    case 'port':
      return option.argParser(parsePort);
    case 'choice':
      return option.choices(key.meta.choices ?? []);
    default:
      return option;
  }
}

function placeholder(key: ConfigKey): string {
  switch (key.meta.kind) {
    case 'path':
      return key.path === 'cwd' ? 'dir' : 'file';
    case 'port':
    case 'integer':
    case 'number':
      return 'n';
    case 'choice':
    case 'string':
      return key.segments.at(-1) ?? 'value';
    default:
      return key.meta.kind;
  }
}

/** The flags the user actually gave (not commander's defaults), as config values. */
function requestOf(command: Command, commandLine: readonly string[]): ConfigRequest {
  const flags: FlagValue[] = [];
  for (const key of FLAG_KEYS) {
    const option = command.options.find((candidate) => candidate.long === key.meta.flag);
    if (option === undefined) continue;
    const name = option.attributeName();
    if (command.getOptionValueSource(name) !== 'cli') continue;
    flags.push({ path: key.path, flag: key.meta.flag, value: command.getOptionValue(name) as unknown });
  }
  const configFile = command.getOptionValue('config') as string | undefined;
  return { configFile: configFile ?? null, flags, commandLine: [...commandLine] };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  }
  return port;
}

function numberParser(integer: boolean): (value: string) => number {
  return (value) => {
    if (!(integer ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/).test(value.trim())) {
      throw new InvalidArgumentError(integer ? 'expected a whole number.' : 'expected a number.');
    }
    return Number(value);
  };
}

function durationParser(flag: string): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      throw new InvalidArgumentError(`${flag} expects a duration like 500ms, 5s or 2m.`);
    }
    return ms;
  };
}
