/** Why a command could not be started at all; restarting it would not help. */
export type SpawnFailureKind = 'not_found' | 'not_executable' | 'bad_cwd' | 'other';

export class SpawnFailedError extends Error {
  override readonly name = 'SpawnFailedError';
  readonly kind: SpawnFailureKind;
  readonly command: string;
  /** The errno code from the operating system, e.g. ENOENT. */
  readonly code: string | undefined;

  constructor(kind: SpawnFailureKind, command: string, message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.command = command;
    this.code = options.code;
  }
}

/** Turns the error of a failed spawn into a message a user can act on. */
export function describeSpawnFailure(command: string, cwd: string, code: string | undefined, cause: unknown): SpawnFailedError {
  const options = { code, cause };
  if (code === 'ENOENT' && /The "cwd" option is invalid/.test(String((cause as Error | undefined)?.message))) {
    return new SpawnFailedError('bad_cwd', command, `working directory does not exist: ${cwd}`, options);
  }
  switch (code) {
    case 'ENOENT':
      return new SpawnFailedError('not_found', command, `command not found: ${command} (looked in PATH and ${cwd})`, options);
    case 'EACCES':
      return new SpawnFailedError('not_executable', command, `command is not executable: ${command} (permission denied)`, options);
    default: {
      const detail = cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : String(cause);
      return new SpawnFailedError('other', command, `cannot start ${command}: ${detail.split('\n')[0]}`, options);
    }
  }
}
