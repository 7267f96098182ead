import { commandWouldStart, parentDeathWrapper, runCommand as runArgv, type CommandEnd } from '@mpm/child';
import { formatDuration } from '@mpm/config';

/** How much of each output stream is kept for the debug log (its head); the rest is read and dropped. */
export const MAX_OUTPUT_BYTES = 4096;
/** After the timeout's SIGTERM, how long the group gets before SIGKILL. */
export const KILL_GRACE_MS = 1000;

export interface CommandRun {
  readonly file: string;
  readonly args: readonly string[];
  /** Written to stdin, which is then closed. */
  readonly input: string;
  /** The whole environment of the command (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly timeoutMs: number;
  /** Aborted: the group is killed at once (the supervisor is exiting). */
  readonly signal: AbortSignal;
  /**
   * Holds the command's pid until Node has collected its exit: the orphan reaper
   * (descendants/) must leave it to Node, or its exit would never be seen.
   */
  readonly running: Set<number>;
}

export interface CommandResult {
  readonly ok: boolean;
  /** "exited with code 0", "was killed by SIGKILL after its timeout of 5s", "could not start: EACCES". */
  readonly how: string;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a hook's command with @mpm/child's runner: argv only, in a process group of its
 * own, the event on stdin, the head of its output kept. At the timeout the group gets
 * SIGTERM, then SIGKILL after KILL_GRACE_MS. Never throws.
 */
export async function runCommand(run: CommandRun): Promise<CommandResult> {
  // Killed with the supervisor, even by SIGKILL, like the child. A program gone since the
  // config was checked is spawned as it is, so that the failure is the spawn's own (ENOENT,
  // EACCES) rather than setpriv's exit code.
  const wrapper = commandWouldStart(run.file, run.cwd, undefined) ? parentDeathWrapper() : undefined;
  const outcome = await runArgv({
    command: run.file,
    args: run.args,
    cwd: run.cwd,
    env: run.env,
    input: run.input,
    timeoutMs: run.timeoutMs,
    killGraceMs: KILL_GRACE_MS,
    signal: run.signal,
    keep: { part: 'head', bytes: MAX_OUTPUT_BYTES },
    ...(wrapper === undefined ? {} : { wrap: wrapper.wrap }),
    processes: run.running,
  });
  return { ok: outcome.end.kind === 'exited' && outcome.end.code === 0, how: how(outcome.end, run.timeoutMs), stdout: outcome.stdout, stderr: outcome.stderr };
}

function how(end: CommandEnd, timeoutMs: number): string {
  switch (end.kind) {
    case 'not_started':
      return `could not start: ${end.code}`;
    case 'exited':
      return `exited with code ${end.code}`;
    case 'killed':
      return `was killed by ${end.signal}`;
    case 'timed_out':
      return `was killed by ${end.signal} after its timeout of ${formatDuration(timeoutMs)}`;
    case 'aborted':
      return 'was killed: the supervisor is exiting';
  }
}
