import { ExitCode } from './exit-codes.js';

/** An error the user can fix; its message is one line and is shown as it is. */
export class SupervisorError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Bad flags or arguments: exit 64. */
export class UsageError extends SupervisorError {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** A setting that cannot work (missing directory, unusable log file): exit 78. */
export class ConfigError extends SupervisorError {
  override readonly name = 'ConfigError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.config, options);
  }
}
