import { readdirSync, readFileSync } from 'node:fs';

/** What /proc says about a process beyond CPU and memory (pidusage has those). */
export interface ProcFacts {
  /** The state letter of /proc/PID/stat: R running, S sleeping, D disk wait, T stopped, Z zombie... */
  readonly state: string;
  readonly threads: number;
  /** Null when /proc/PID/fd cannot be read (another user's process). */
  readonly openFds: number | null;
}

export const STATE_NAMES: Readonly<Record<string, string>> = {
  R: 'running',
  S: 'sleeping',
  D: 'waiting on disk (uninterruptible)',
  T: 'stopped',
  t: 'stopped by a tracer',
  Z: 'zombie',
  X: 'dead',
  I: 'idle',
};

/**
 * Reads /proc/PID/stat and counts /proc/PID/fd. Undefined when the process is gone or
 * there is no /proc (not Linux). The command name in stat may hold spaces and parentheses.
 *
 * Synchronous on purpose: procfs lives in memory and answers in microseconds, while the
 * promise API's open/fstat/read/close round trips cost more CPU than the reading itself
 * (profiled: most of the supervisor's CPU per round at a 1 s interval).
 */
export function readProcFacts(pid: number): ProcFacts | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3 of stat(5), num_threads field 20.
  const state = fields[0];
  const threads = Number(fields[17]);
  if (state === undefined || !Number.isFinite(threads)) return undefined;
  let openFds: number | null = null;
  try {
    openFds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    // EACCES: not ours to look at; the other facts still stand.
  }
  return { state, threads, openFds };
}
