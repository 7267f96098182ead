/**
 * What the child was doing when recovery killed it for being `hung` (docs/design.md §12): the
 * supervisor takes it just before the kill, bounded by recovery.forensics.timeoutMs, and
 * it travels with the decision's RecoveryEvent to /events. Data only: taking one is the
 * supervisor's job (apps/supervisor/src/forensics/).
 */

/** One frame of the blocked JavaScript stack, innermost first; line and column 1-based. */
export interface StackFrame {
  /** Empty for an anonymous function. */
  readonly functionName: string;
  /** The script's URL (file:///…, node:…), empty when V8 has none. */
  readonly url: string;
  readonly line: number;
  readonly column: number;
}

export type HangReport =
  /** The JavaScript stack of the blocked event loop, through the inspector (a Node child). */
  | {
      readonly kind: 'stack';
      /** The innermost frames, at most a few. */
      readonly frames: readonly StackFrame[];
      /** How many frames the stack had. */
      readonly depth: number;
      readonly tookMs: number;
    }
  /** What /proc says of the child's main thread: no stack for it (not Node, or the inspector did not answer). */
  | {
      readonly kind: 'proc';
      /** The state letter of /proc/PID/stat (R running, S sleeping, D uninterruptible…). */
      readonly state: string;
      /** The kernel function it waits in (/proc/PID/wchan); null when unreadable or none. */
      readonly wchan: string | null;
      /** The system call it is in (/proc/PID/syscall), by name where known; `running`, or null when unreadable. */
      readonly syscall: string | null;
      /** Why there is no stack. */
      readonly why: string;
      readonly tookMs: number;
    }
  /** Nothing could be learnt; `reason` says why. */
  | { readonly kind: 'unavailable'; readonly reason: string; readonly tookMs: number };

export type HangReportKind = HangReport['kind'];

export const HANG_REPORT_KINDS: readonly HangReportKind[] = ['stack', 'proc', 'unavailable'];
