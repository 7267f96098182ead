import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LOG_FORMATS, LOG_LEVELS } from './defaults.js';
import { parseDuration } from './duration.js';
import { ExitCode } from './exit-codes.js';
import type { RunFlags } from './run-options.js';

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'run'; readonly commandLine: readonly string[]; readonly flags: RunFlags }
  | { readonly kind: 'exit'; readonly exitCode: ExitCode };

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
  mpm-supervise --name chat --kill-timeout 10s --log-file /var/log/chat.log -- node dist/main.js

Options of run: mpm-supervise run --help`,
  );

  program
    .command('run', { isDefault: true })
    .description('run a command under supervision (the default)')
    .usage('[options] -- <command> [args...]')
    .argument('[command...]', 'the command to supervise and its arguments, after --')
    .option('--name <name>', 'name of this supervised service (default: from the command)')
    .option('--cwd <dir>', "the child's working directory")
    .option('--port <n>', "the child's Socket.IO port, passed to it as PORT", parsePort)
    .option('--kill-timeout <duration>', 'how long a stopping child gets before SIGKILL (e.g. 5s)', durationParser('--kill-timeout'))
    .addOption(new Option('--log-format <format>', 'json lines, or pretty lines for a person (default: pretty on a TTY)').choices(LOG_FORMATS))
    .addOption(new Option('--log-level <level>', 'least severe level written (default: info)').choices(LOG_LEVELS))
    .option('--log-file <file>', 'also write JSON lines to this size-rotated file')
    .passThroughOptions()
    .action((commandLine: string[], flags: RunFlags) => {
      invocation = { kind: 'run', commandLine, flags };
    });

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      return { kind: 'exit', exitCode: ok ? ExitCode.ok : ExitCode.usage };
    }
    throw error;
  }
  return invocation ?? { kind: 'exit', exitCode: ExitCode.usage };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  }
  return port;
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
