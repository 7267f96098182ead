import { sleep, type Clock } from '@mpm/system';
import { sweepEscapes, type EscapeSweepResult } from './escapes.js';
import { liveGroupMembers, signalGroup } from './process-group.js';

/** How often the group is looked at while waiting for it to empty. */
const GROUP_POLL_MS = 20;
/** After SIGKILL the kernel needs a moment; past this we stop waiting for the group. */
const AFTER_KILL_WAIT_MS = 1000;
/** The least time processes that escaped the group get between the stop signal and SIGKILL. */
const ESCAPE_GRACE_MS = 1000;

export interface GroupSweep {
  readonly pgid: number;
  /** Sent to the group first (with SIGCONT), or null when it was told already. */
  readonly signal: NodeJS.Signals | null;
  /** Past this the members still alive are killed. */
  readonly deadline: number;
  /** SIGKILLs what is left of the group (and reports it). */
  readonly kill: () => void;
}

/**
 * Waits until no live process is left in a group whose leader has exited: the stop
 * signal first, SIGKILL once the deadline has passed, then a last short wait for the
 * kernel to take them away.
 */
export async function sweepGroup(sweep: GroupSweep, clock: Clock): Promise<void> {
  const { pgid, signal, deadline, kill } = sweep;
  // The usual case after a crash is an empty group, and a restart waits for this answer:
  // kill(-pgid, 0) gives it at once (ESRCH), where a scan of /proc takes a few ms.
  if (!signalGroup(pgid, 0) || liveGroupMembers(pgid).length === 0) return;
  if (signal !== null) {
    signalGroup(pgid, signal);
    signalGroup(pgid, 'SIGCONT');
  }
  while (clock.now() < deadline) {
    await sleep(clock, GROUP_POLL_MS);
    if (liveGroupMembers(pgid).length === 0) return;
  }
  kill();
  const killDeadline = clock.now() + AFTER_KILL_WAIT_MS;
  while (clock.now() < killDeadline && liveGroupMembers(pgid).length > 0) {
    await sleep(clock, GROUP_POLL_MS);
  }
}

/** Which processes outside the group to end once it is gone, and with what. */
export interface EscapeSweepOptions {
  /** Descendants of this process not to touch (the children Node still has to collect). */
  readonly exclude: () => ReadonlySet<number>;
  readonly signal: NodeJS.Signals;
}

/**
 * sweepGroup, then, with `escapes`, the descendants of this process that left the group
 * (escapes.ts), with the same deadline but never less than ESCAPE_GRACE_MS. Resolves with
 * what was found outside the group (undefined without `escapes`).
 */
export async function clearGroup(sweep: GroupSweep, escapes: EscapeSweepOptions | undefined, clock: Clock): Promise<EscapeSweepResult | undefined> {
  await sweepGroup(sweep, clock);
  if (escapes === undefined) return undefined;
  const deadline = Math.max(sweep.deadline, clock.now() + ESCAPE_GRACE_MS);
  return sweepEscapes({ root: process.pid, exclude: escapes.exclude, signal: escapes.signal, deadline }, clock);
}
