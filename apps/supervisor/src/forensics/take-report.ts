import type { HangReport } from '@mpm/recovery';
import { ForensicsError } from './cdp-session.js';
import { inspectorStack, type InspectorProgress } from './inspector-stack.js';
import { executableOf } from './node-process.js';
import { readProcState, type ProcState } from './proc-state.js';

export interface TakeReportOptions {
  /** The most the report may take; it resolves by then, whatever is still under way. */
  readonly timeoutMs: number;
  /** For tests: another way to the stack. */
  readonly stack?: typeof inspectorStack;
  readonly now?: () => number;
}

/**
 * What a hung child is doing, taken just before it is killed (docs/design.md §12): for a Node
 * process its JavaScript stack through the inspector (inspector-stack.ts), for any other,
 * or when the inspector gives nothing in time, what /proc says of its main thread (read
 * before the inspector is woken, so that it shows the hang itself).
 *
 * Never rejects and never takes much longer than `timeoutMs`: every failure becomes a
 * report that says why, and a step still under way at the deadline is aborted and left
 * behind. The caller kills the child next.
 */
export async function takeHangReport(pid: number, options: TakeReportOptions): Promise<HangReport> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const took = (): number => Math.round(now() - started);
  try {
    const proc = readProcState(pid);
    if (proc === undefined) return { kind: 'unavailable', reason: `process ${pid} is gone`, tookMs: took() };
    const executable = executableOf(pid);
    if (executable.kind === 'other') return procReport(proc, `not a Node process (${executable.path})`, took());
    if (executable.kind === 'unknown') return procReport(proc, `cannot tell whether it runs Node: ${executable.reason}`, took());
    const why = await stackOrWhyNot(pid, options);
    if (typeof why !== 'string') return { kind: 'stack', frames: why.frames, depth: why.depth, tookMs: took() };
    return procReport(proc, `no JavaScript stack: ${why}`, took());
  } catch (error) {
    // A bug here must not cost the child its kill, nor the supervisor its recovery.
    return { kind: 'unavailable', reason: `the hang report failed: ${error instanceof Error ? error.message : String(error)}`, tookMs: took() };
  }
}

function procReport(proc: ProcState, why: string, tookMs: number): HangReport {
  return { kind: 'proc', ...proc, why, tookMs };
}

/** The stack, or one line on why there is none. Settles by the deadline even if a step ignores the abort. */
async function stackOrWhyNot(pid: number, options: TakeReportOptions): Promise<Awaited<ReturnType<typeof inspectorStack>> | string> {
  const { timeoutMs } = options;
  const controller = new AbortController();
  const progress: InspectorProgress = { stage: 'signalling' };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new ForensicsError('the time for the hang report ran out'));
      resolve(`the inspector did not answer within ${timeoutMs} ms (${progress.stage}${hint(progress)})`);
    }, timeoutMs);
    timer.unref();
  });
  const work = (options.stack ?? inspectorStack)(pid, controller.signal, progress).then(
    (stack) => stack,
    (error: unknown) => (controller.signal.aborted ? deadline : describeFailure(error, progress)),
  );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    controller.abort(new ForensicsError('the hang report is over'));
  }
}

function hint(progress: InspectorProgress): string {
  return progress.stage === 'waiting for the inspector port' ? '; a loop blocked in native code cannot start it, nor can a process whose inspector is already open or disabled' : '';
}

function describeFailure(error: unknown, progress: InspectorProgress): string {
  if (error instanceof ForensicsError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (progress.stage === 'signalling' && code === 'ESRCH') return 'the process is gone';
  if (progress.stage === 'signalling' && code === 'EPERM') return 'not allowed to signal it (another user)';
  return `${progress.stage}: ${error instanceof Error ? error.message : String(error)}`;
}
