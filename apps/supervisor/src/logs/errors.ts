import { ExitCode } from '../exit-codes.js';
import { SupervisorError } from '../errors.js';

/** `logs` found no supervisor to read (exit 3, as `status` does). */
export class NoSupervisorError extends SupervisorError {
  override readonly name = 'NoSupervisorError';

  constructor(message: string) {
    super(message, ExitCode.notRunning);
  }
}

/** Several supervisors run and the command line does not say which: exit 64. */
export class AmbiguousSupervisorError extends SupervisorError {
  override readonly name = 'AmbiguousSupervisorError';
  readonly names: readonly string[];

  constructor(names: readonly string[]) {
    super(`${names.length} supervisors are running (${names.join(', ')}); say which with --name`, ExitCode.usage);
    this.names = names;
  }
}

/** The supervisor runs but writes no log file, and no config names one: exit 78. */
export class NoLogFileError extends SupervisorError {
  override readonly name = 'NoLogFileError';

  constructor(message: string) {
    super(message, ExitCode.config);
  }
}

/** A log file that cannot be opened or read (missing, no permission, a folder): exit 78. */
export class LogFileReadError extends SupervisorError {
  override readonly name = 'LogFileReadError';
  readonly path: string;
  /** The errno code (`ENOENT`, `EACCES`, …) when the file system gave one. */
  readonly code: string | undefined;

  constructor(path: string, cause: unknown) {
    super(`cannot read log file ${path}: ${describe(cause)}`, ExitCode.config, { cause });
    this.path = path;
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

function describe(cause: unknown): string {
  switch ((cause as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    default:
      return cause instanceof Error ? cause.message : String(cause);
  }
}
