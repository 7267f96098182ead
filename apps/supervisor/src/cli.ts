#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ExitCode } from './exit-codes.js';
import { SupervisorError } from './errors.js';
import { createSupervisorLog } from './logging/logger.js';
import { parseCommandLine } from './program.js';
import { resolveRunOptions } from './run-options.js';
import { handleSignals } from './signals.js';
import { Supervisor } from './supervisor.js';

/** How long the process may take to drain its output before it exits anyway. */
const EXIT_GRACE_MS = 5000;

function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function printError(message: string): void {
  process.stderr.write(`mpm-supervise: ${message}\n`);
}

async function main(argv: readonly string[]): Promise<ExitCode> {
  const invocation = parseCommandLine(argv, packageVersion(), {
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
  });
  if (invocation.kind === 'exit') return invocation.exitCode;

  const options = resolveRunOptions(invocation.commandLine, invocation.flags, {
    cwd: process.cwd(),
    stdoutIsTTY: process.stdout.isTTY === true,
  });
  const log = createSupervisorLog(options.log);
  const supervisor = new Supervisor(options, log.logger);
  let spawnError: string | undefined;
  supervisor.controller.once('spawnFailed', (error) => (spawnError = error.message));
  const stopHandlingSignals = handleSignals(supervisor, log.logger);
  const stopOnCrash = stopChildOnInternalError(supervisor);

  const exitCode = await supervisor.run();
  log.logger.info(`exiting with code ${exitCode}`, { event: 'supervisor_stopped', exitCode });
  await log.close();
  stopOnCrash();
  stopHandlingSignals();
  if (spawnError !== undefined) printError(spawnError);
  return exitCode;
}

/** A bug in the supervisor must not leave an orphaned server behind. */
function stopChildOnInternalError(supervisor: Supervisor): () => void {
  const onError = (error: unknown): void => {
    printError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    const pid = supervisor.controller.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    process.exit(ExitCode.internalError);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}

// A closed stdout (the reader went away) must not take the supervisor and its child down.
process.stdout.on('error', () => undefined);

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (error: unknown) => {
    if (error instanceof SupervisorError) {
      printError(error.message);
      exit(error.exitCode);
    } else {
      printError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
      exit(ExitCode.internalError);
    }
  },
);

/** Exits once pending output is written; forces it if something holds the loop open. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}
