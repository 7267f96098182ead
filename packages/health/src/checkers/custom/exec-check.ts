import { runCommand, type CommandOutcome, type ProcessRegistry } from '@mpm/child';
import type { HealthChecker } from '../../checker.js';
import { CustomChecker, type CheckSpec, type Reading } from './custom-checker.js';
import { KEPT_OUTPUT_BYTES, numberFromOutput, reasonLine } from './exec-output.js';

/** Where and how an exec check's command runs: as the child does, by default. */
export interface ExecEnvironment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The processes the checks are running now (see @mpm/child's runner). */
export type { ProcessRegistry } from '@mpm/child';

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
 * is the check's value, rated by the thresholds. It runs with @mpm/child's runner: in a
 * process group of its own, killed whole (SIGKILL) when it takes longer than the timeout;
 * whatever it leaves running in that group is killed when it ends. Only the end of its
 * output is kept.
 */
export function execCheck(options: ExecCheckOptions): HealthChecker {
  const [program, ...args] = options.command;
  if (program === undefined) throw new TypeError(`${options.name}: an exec check needs a command`);
  return new CustomChecker(options, options.unit ?? 'count', (_target, context) => run(program, args, options, context.timeoutMs, context.signal));
}

async function run(program: string, args: readonly string[], options: ExecCheckOptions, timeoutMs: number, signal: AbortSignal): Promise<Reading> {
  if (signal.aborted) return { kind: 'unknown', message: 'the check was stopped' };
  const { cwd, env } = options.environment();
  const outcome = await runCommand({
    command: program,
    args,
    cwd,
    env,
    timeoutMs,
    // A check past its time is not asked to finish: it is late already.
    killGraceMs: 0,
    signal,
    keep: { part: 'tail', bytes: KEPT_OUTPUT_BYTES },
    ...(options.wrap === undefined ? {} : { wrap: options.wrap }),
    ...(options.processes === undefined ? {} : { processes: options.processes }),
  });
  return readingOf(program, outcome, options, timeoutMs);
}

function readingOf(program: string, { end, stdout, stderr, durationMs }: CommandOutcome, options: ExecCheckOptions, timeoutMs: number): Reading {
  switch (end.kind) {
    case 'not_started':
      // Its own trouble (the program is gone, not executable): nothing said about the child.
      return { kind: 'unknown', message: `could not run ${program}: ${end.code}` };
    case 'aborted':
      return { kind: 'unknown', message: 'the check was stopped' };
    case 'timed_out':
      return { kind: 'failed', message: `${program} did not finish within ${timeoutMs} ms (killed)` };
    case 'killed':
      return failedReading(program, `was killed by ${end.signal}`, stdout, stderr);
    case 'exited':
      if (end.code !== 0) return failedReading(program, `exited with code ${end.code}`, stdout, stderr);
  }
  const ms = Math.round(durationMs);
  const value = numberFromOutput(stdout);
  if (value !== undefined) return { kind: 'measured', value, detail: `${program} exited 0 in ${ms} ms, printing` };
  if (options.thresholds !== undefined) {
    const last = reasonLine(stdout);
    return { kind: 'unknown', message: `${program} exited 0 but printed no number on its last line for the thresholds${last === undefined ? '' : ` (it printed ${JSON.stringify(last)})`}` };
  }
  return { kind: 'measured', value: null, detail: `${program} exited 0 in ${ms} ms` };
}

/** A failure quotes the last line of stderr, or else of stdout. */
function failedReading(program: string, how: string, stdout: string, stderr: string): Reading {
  const why = reasonLine(stderr) ?? reasonLine(stdout);
  return { kind: 'failed', message: `${program} ${how}${why === undefined ? '' : `: ${why}`}` };
}
