import { spawn } from 'node:child_process';
import type { HealthChecker } from '../../checker.js';
import { CustomChecker, type CheckSpec, type Reading } from './custom-checker.js';
import { numberFromOutput, OutputTail, reasonLine } from './exec-output.js';

/** How long the pipes of a command that has exited are still read. */
const PIPE_GRACE_MS = 200;

/** Where and how an exec check's command runs: as the child does, by default. */
export interface ExecEnvironment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The processes the checks are running now, for whoever must tell them from the child's (PID 1's reaping, the sweep of escaped processes). */
export interface ProcessRegistry {
  add(pid: number): void;
  delete(pid: number): void;
}

export interface ExecCheckOptions extends CheckSpec {
  /** Program and arguments; never given to a shell. */
  readonly command: readonly string[];
  /** The unit of the number the command prints; absent: a count. */
  readonly unit?: string;
  /** Read at each run, so that a reload's new cwd or env applies. */
  readonly environment: () => ExecEnvironment;
  /** Puts something in front of the command (setpriv --pdeathsig): a supervisor that dies takes its checks along. */
  readonly wrap?: (command: string, args: readonly string[]) => { command: string; args: readonly string[] };
  readonly processes?: ProcessRegistry;
}

/**
 * Runs a command each round: exit 0 is healthy, anything else a failure that quotes the
 * last line it wrote to stderr (or stdout). A number alone on the last line of its stdout
 * is the check's value, rated by the thresholds. It runs in a process group of its own,
 * killed whole when it takes longer than the timeout; whatever it leaves running in that
 * group is killed when it ends. Only the end of its output is kept (OutputTail).
 */
export function execCheck(options: ExecCheckOptions): HealthChecker {
  const [program, ...args] = options.command;
  if (program === undefined) throw new TypeError(`${options.name}: an exec check needs a command`);
  return new CustomChecker(options, options.unit ?? 'count', (_target, context) => run(program, args, options, context.timeoutMs, context.signal));
}

function run(program: string, args: readonly string[], options: ExecCheckOptions, timeoutMs: number, signal: AbortSignal): Promise<Reading> {
  if (signal.aborted) return Promise.resolve({ kind: 'unknown', message: 'the check was stopped' });
  const { cwd, env } = options.environment();
  const line = options.wrap?.(program, args) ?? { command: program, args };
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(line.command, [...line.args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) options.processes?.add(pid);
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let ended: 'timeout' | 'stopped' | undefined;
    let settled = false;
    const killGroup = (): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Nothing is left in its group.
      }
    };
    const finish = (reading: Reading): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(reading);
    };
    const onAbort = (): void => {
      ended = 'stopped';
      killGroup();
    };
    const timer = setTimeout(() => {
      ended = 'timeout';
      killGroup();
    }, timeoutMs);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (pid !== undefined) options.processes?.delete(pid);
      // Its own trouble (the program is gone, not executable): nothing said about the child.
      finish({ kind: 'unknown', message: `could not run ${program}: ${error.code ?? error.message}` });
    });
    // Output still on its way is read until the pipes close, but not for long: a process
    // that left the group (setsid) may hold them open for as long as it likes.
    child.once('exit', () => {
      // What it left behind in its group goes with it.
      killGroup();
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, PIPE_GRACE_MS).unref();
    });
    child.once('close', (code, killedBy) => {
      if (pid !== undefined) options.processes?.delete(pid);
      const ms = performance.now() - started;
      if (ended === 'stopped') return finish({ kind: 'unknown', message: 'the check was stopped' });
      if (ended === 'timeout') return finish({ kind: 'failed', message: `${program} did not finish within ${timeoutMs} ms (killed)` });
      if (code !== 0) {
        const how = code === null ? `was killed by ${killedBy ?? 'a signal'}` : `exited with code ${code}`;
        const why = reasonLine(stderr.text()) ?? reasonLine(stdout.text());
        return finish({ kind: 'failed', message: `${program} ${how}${why === undefined ? '' : `: ${why}`}` });
      }
      const value = numberFromOutput(stdout.text());
      if (value !== undefined) return finish({ kind: 'measured', value, detail: `${program} exited 0 in ${Math.round(ms)} ms, printing` });
      if (options.thresholds !== undefined) {
        const last = reasonLine(stdout.text());
        return finish({ kind: 'unknown', message: `${program} exited 0 but printed no number on its last line for the thresholds${last === undefined ? '' : ` (it printed ${JSON.stringify(last)})`}` });
      }
      return finish({ kind: 'measured', value: null, detail: `${program} exited 0 in ${Math.round(ms)} ms` });
    });
  });
}
