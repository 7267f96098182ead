import type { Readable } from 'node:stream';
import { commandWouldStart, parentDeathWrapper, signalGroup } from '@mpm/child';
import { formatDuration } from '@mpm/config';
import { execa } from 'execa';

/** How much of each output stream is kept for the debug log; the rest is read and dropped. */
export const MAX_OUTPUT_BYTES = 4096;
/** After the timeout's SIGTERM, how long the group gets before SIGKILL. */
export const KILL_GRACE_MS = 1000;
/** After the command exits, how long what is left in its pipes is read. */
const OUTPUT_DRAIN_MS = 200;

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
 * Runs a hook's command: argv only (never a shell), in a process group of its own, the
 * event on stdin. Output is read to the end so that the command never blocks on a full
 * pipe, and kept up to MAX_OUTPUT_BYTES a stream. At the timeout the group gets SIGTERM,
 * then SIGKILL after KILL_GRACE_MS; whatever of the group is left when the command ends is
 * killed too, so nothing it started outlives it. Never throws.
 */
export function runCommand(run: CommandRun): Promise<CommandResult> {
  // Killed with the supervisor, even by SIGKILL, like the child. A program gone since the
  // config was checked is spawned as it is, so that the failure is the spawn's own (ENOENT,
  // EACCES) rather than setpriv's exit code.
  const wrapper = commandWouldStart(run.file, run.cwd, undefined) ? parentDeathWrapper() : undefined;
  const { command, args } = wrapper === undefined ? { command: run.file, args: [...run.args] } : wrapper.wrap(run.file, run.args);
  const subprocess = execa(command, args, {
    cwd: run.cwd,
    env: run.env,
    extendEnv: false,
    shell: false,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: false,
    windowsHide: true,
  });
  const stdout = keepHead(subprocess.stdout);
  const stderr = keepHead(subprocess.stderr);
  // A command that does not read its stdin may close it before the event is written.
  subprocess.stdin.on('error', () => undefined);
  subprocess.stdin.end(run.input);

  return new Promise((resolve) => {
    const pid = subprocess.pid;
    if (pid !== undefined) run.running.add(pid);
    let timedOut: 'term' | 'kill' | undefined;
    let aborted = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const kill = (signal: NodeJS.Signals): void => {
      if (pid !== undefined) signalGroup(pid, signal);
    };
    const timer = setTimeout(() => {
      timedOut = 'term';
      kill('SIGTERM');
      graceTimer = setTimeout(() => {
        timedOut = 'kill';
        kill('SIGKILL');
      }, KILL_GRACE_MS);
    }, run.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      kill('SIGKILL');
    };
    run.signal.addEventListener('abort', onAbort, { once: true });
    if (run.signal.aborted) onAbort();
    let settled = false;
    const finish = (how: string, ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      run.signal.removeEventListener('abort', onAbort);
      // What the command left running in its group goes with it.
      kill('SIGKILL');
      // What is still in the pipes is read for a moment; a process that left the group and
      // holds them open is not waited for.
      const streams = [subprocess.stdout, subprocess.stderr];
      let resolved = false;
      const done = (): void => {
        if (resolved || (streams.some((stream) => !stream.closed) && !drainOver)) return;
        resolved = true;
        clearTimeout(drained);
        for (const stream of streams) stream.destroy();
        resolve({ ok, how, stdout: stdout.text(), stderr: stderr.text() });
      };
      let drainOver = false;
      const drained = setTimeout(() => {
        drainOver = true;
        done();
      }, OUTPUT_DRAIN_MS);
      for (const stream of streams) stream.once('close', done);
      done();
    };
    subprocess.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      if (pid !== undefined) run.running.delete(pid);
      if (aborted) finish('was killed: the supervisor is exiting', false);
      else if (timedOut !== undefined) finish(`was killed by ${timedOut === 'term' ? 'SIGTERM' : 'SIGKILL'} after its timeout of ${formatDuration(run.timeoutMs)}`, false);
      else if (signal !== null) finish(`was killed by ${signal}`, false);
      else finish(`exited with code ${String(code)}`, code === 0);
    });
    // A spawn that failed has no exit: its result says why.
    void subprocess.then((result) => {
      if (pid === undefined) finish(`could not start: ${result.code ?? result.shortMessage}`, false);
    });
  });
}

interface Head {
  text(): string;
}

/** Reads a stream to its end, keeping its first MAX_OUTPUT_BYTES. */
function keepHead(stream: Readable): Head {
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  stream.on('data', (chunk: Buffer) => {
    const room = MAX_OUTPUT_BYTES - kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      chunks.push(part);
      kept += part.length;
    }
    dropped += Math.max(0, chunk.length - Math.max(0, room));
  });
  stream.on('error', () => undefined);
  return {
    text: () => {
      const head = Buffer.concat(chunks).toString('utf8').replace(/\uFFFD$/, '');
      return dropped === 0 ? head : `${head}… (${dropped} more bytes not kept)`;
    },
  };
}
