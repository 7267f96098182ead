import { execa } from 'execa';
import { signalGroup } from '../process-group.js';
import { keptOutput, readInto, type KeepOutput } from './kept-output.js';

/** After the command exits, how long what is left in its pipes is still read. */
const OUTPUT_DRAIN_MS = 200;

/** The processes a caller runs, for whoever must tell them from others (PID 1's reaping, the sweep of escaped processes). */
export interface ProcessRegistry {
  add(pid: number): void;
  delete(pid: number): void;
}

export interface CommandOptions {
  /** Program and arguments: never given to a shell. */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The whole environment of the command (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed; without it, stdin is closed from the start. */
  readonly input?: string;
  readonly timeoutMs: number;
  /** At the timeout the group gets SIGTERM, and SIGKILL this much later; 0: SIGKILL at once. */
  readonly killGraceMs: number;
  /** Aborted: the group is killed at once. */
  readonly signal: AbortSignal;
  readonly keep: KeepOutput;
  /** Puts something in front of the command (setpriv --pdeathsig: it dies with the supervisor). */
  readonly wrap?: (command: string, args: readonly string[]) => { readonly command: string; readonly args: readonly string[] };
  /** Holds the pid until Node has collected the exit: a reaper of orphans must leave it to Node. */
  readonly processes?: ProcessRegistry;
}

/** How a command ended. */
export type CommandEnd =
  /** The operating system refused it: `code` is the errno (ENOENT, EACCES), or what execa said. */
  | { readonly kind: 'not_started'; readonly code: string }
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'killed'; readonly signal: NodeJS.Signals }
  /** Past its timeout; `signal` is the last one the group was sent. */
  | { readonly kind: 'timed_out'; readonly signal: 'SIGTERM' | 'SIGKILL' }
  | { readonly kind: 'aborted' };

export interface CommandOutcome {
  readonly end: CommandEnd;
  /** The kept part of each stream (options.keep). */
  readonly stdout: string;
  readonly stderr: string;
  /** From the spawn until the outcome was known, its last output read. */
  readonly durationMs: number;
}

/**
 * Runs a command (argv only, never a shell) in a process group of its own. Its output is
 * read to the end, so that it never blocks on a full pipe, and only a bounded part is
 * kept. At the timeout the group gets SIGTERM, then SIGKILL after killGraceMs; on abort,
 * SIGKILL at once; whatever of the group is left when the command ends is killed too, so
 * that nothing it started outlives it. Never throws: how it ended is data.
 */
export function runCommand(options: CommandOptions): Promise<CommandOutcome> {
  const started = performance.now();
  const line = options.wrap?.(options.command, options.args) ?? { command: options.command, args: options.args };
  const subprocess = execa(line.command, [...line.args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: false,
    detached: true,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: false,
    windowsHide: true,
  });
  const stdout = readInto(subprocess.stdout, keptOutput(options.keep));
  const stderr = readInto(subprocess.stderr, keptOutput(options.keep));
  if (options.input !== undefined && subprocess.stdin !== null) {
    // A command that does not read its stdin may close it before the input is written.
    subprocess.stdin.on('error', () => undefined);
    subprocess.stdin.end(options.input);
  }
  const pid = subprocess.pid;
  if (pid !== undefined) options.processes?.add(pid);
  const kill = (signal: NodeJS.Signals): void => {
    if (pid !== undefined) signalGroup(pid, signal);
  };

  return new Promise((resolve) => {
    let timedOut: 'SIGTERM' | 'SIGKILL' | undefined;
    let aborted = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = options.killGraceMs > 0 ? 'SIGTERM' : 'SIGKILL';
      kill(timedOut);
      if (timedOut === 'SIGKILL') return;
      graceTimer = setTimeout(() => {
        timedOut = 'SIGKILL';
        kill('SIGKILL');
      }, options.killGraceMs);
      graceTimer.unref();
    }, options.timeoutMs);
    timer.unref();
    const onAbort = (): void => {
      aborted = true;
      kill('SIGKILL');
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) onAbort();

    let settled = false;
    const finish = (end: CommandEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal.removeEventListener('abort', onAbort);
      // What the command left running in its group goes with it.
      kill('SIGKILL');
      // What is still in the pipes is read for a moment; a process that left the group
      // (setsid) and holds them open is not waited for.
      const streams = [subprocess.stdout, subprocess.stderr];
      let drainOver = false;
      let resolved = false;
      const done = (): void => {
        if (resolved || (streams.some((stream) => !stream.closed) && !drainOver)) return;
        resolved = true;
        clearTimeout(drained);
        for (const stream of streams) stream.destroy();
        resolve({ end, stdout: stdout.text(), stderr: stderr.text(), durationMs: performance.now() - started });
      };
      const drained = setTimeout(() => {
        drainOver = true;
        done();
      }, OUTPUT_DRAIN_MS);
      drained.unref();
      for (const stream of streams) stream.once('close', done);
      done();
    };
    subprocess.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      if (pid !== undefined) options.processes?.delete(pid);
      if (aborted) finish({ kind: 'aborted' });
      else if (timedOut !== undefined) finish({ kind: 'timed_out', signal: timedOut });
      else if (signal !== null) finish({ kind: 'killed', signal });
      // Node gives a code whenever it gives no signal.
      else finish({ kind: 'exited', code: code ?? -1 });
    });
    // A spawn that failed has no exit: its result says why.
    void subprocess.then((result) => {
      if (pid === undefined) finish({ kind: 'not_started', code: result.code ?? String(result.shortMessage) });
    });
  });
}
