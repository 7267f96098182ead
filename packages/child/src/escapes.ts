import { readProcStat, sleep, type Clock, type ProcStat } from '@mpm/system';
import { procStats } from './process-group.js';

/** How often the descendants are looked at while waiting for them to go. */
const POLL_MS = 20;
/** After SIGKILL the kernel needs a moment; past this we stop waiting. */
const AFTER_KILL_WAIT_MS = 1000;

/** A process that left the child's process group (setsid, setpgid) and was still alive. */
export interface EscapedProcess {
  readonly pid: number;
  /** Its command name (/proc/PID/comm), for the log. */
  readonly name: string;
}

export interface EscapeSweepResult {
  /** Every escaped process found, in the order found. */
  readonly found: readonly EscapedProcess[];
  /** Those still alive at the deadline, which got SIGKILL. */
  readonly killed: readonly number[];
}

/**
 * Live descendants of `root`, `exclude` left out along with their own descendants. With
 * the supervisor a child subreaper (PR_SET_CHILD_SUBREAPER), a process that left the
 * child's group stays in this tree when its parent dies: it is handed to the supervisor,
 * not to PID 1.
 */
export function liveDescendants(root: number, exclude: ReadonlySet<number>, stats: readonly ProcStat[] = procStats()): number[] {
  const children = new Map<number, number[]>();
  for (const stat of stats) {
    if (stat.state === 'Z' || stat.state === 'X') continue;
    const list = children.get(stat.ppid);
    if (list === undefined) children.set(stat.ppid, [stat.pid]);
    else list.push(stat.pid);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (exclude.has(pid)) continue;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/**
 * Ends the processes that escaped the child's process group, once the group itself is
 * gone: `signal` (and SIGCONT) to each, then SIGKILL to those alive at `deadline`. Found
 * again on every look, so that one forking while it is being ended is caught too.
 */
export async function sweepEscapes(
  { root, exclude, signal, deadline }: { root: number; exclude: () => ReadonlySet<number>; signal: NodeJS.Signals; deadline: number },
  clock: Clock,
): Promise<EscapeSweepResult> {
  const found = new Map<number, EscapedProcess>();
  const look = (): number[] => {
    const alive = liveDescendants(root, exclude());
    for (const pid of alive) {
      if (found.has(pid)) continue;
      found.set(pid, { pid, name: readProcStat(pid)?.name ?? '?' });
      signalProcess(pid, signal);
      signalProcess(pid, 'SIGCONT');
    }
    return alive;
  };
  if (look().length === 0) return { found: [...found.values()], killed: [] };
  while (clock.now() < deadline) {
    await sleep(clock, POLL_MS);
    if (look().length === 0) return { found: [...found.values()], killed: [] };
  }
  const killed = look();
  for (const pid of killed) signalProcess(pid, 'SIGKILL');
  const killDeadline = clock.now() + AFTER_KILL_WAIT_MS;
  while (clock.now() < killDeadline && killed.some((pid) => isAlive(pid))) await sleep(clock, POLL_MS);
  return { found: [...found.values()], killed };
}

function isAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already, or it changed user: nothing more we may do.
  }
}
