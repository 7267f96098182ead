import { readFileSync } from 'node:fs';

/** The fields of /proc/PID/stat (see proc_pid_stat(5)) that the supervisor reads. */
export interface ProcStat {
  readonly pid: number;
  /** The command name (comm), at most 15 bytes: the program's file name, or what it set. */
  readonly name: string;
  /** R running, S sleeping, D disk wait, T stopped, t traced, Z zombie, X dead, I idle. */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  /** User plus system CPU time (utime + stime), in clock ticks (USER_HZ). */
  readonly cpuTicks: number;
  readonly threads: number;
  /** When the process started, in clock ticks since boot. */
  readonly startTicks: number;
}

/**
 * USER_HZ: the unit of the times in /proc/PID/stat. The kernel shows 100 to user space
 * whatever its own tick rate (sysconf(_SC_CLK_TCK) answers 100 on every architecture
 * Node supports).
 */
export const CLOCK_TICKS_PER_SECOND = 100;

// Indexes into the fields after the command name, which are fields 3… of proc_pid_stat(5).
const STATE = 0;
const PPID = 1;
const PGID = 2;
const UTIME = 11;
const STIME = 12;
const THREADS = 17;
const START_TIME = 19;

/**
 * Parses one /proc/PID/stat line. The command name sits between the first '(' and the
 * last ')': a process may name itself anything, spaces and parentheses included, so the
 * fields are counted from the last ')'. Undefined for text that is not such a line.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 2).split(' ');
  const state = fields[STATE];
  const numbers = [PPID, PGID, UTIME, STIME, THREADS, START_TIME].map((at) => Number(fields[at] ?? Number.NaN));
  if (state === undefined || state === '' || !Number.isInteger(pid) || numbers.some((value) => !Number.isFinite(value))) return undefined;
  const [ppid, pgid, utime, stime, threads, startTicks] = numbers as [number, number, number, number, number, number];
  return { pid, name: text.slice(open + 1, close), state, ppid, pgid, cpuTicks: utime + stime, threads, startTicks };
}

/**
 * /proc/PID/stat of a process, parsed; undefined when it is gone or there is no /proc.
 * Synchronous on purpose: procfs lives in memory and answers in microseconds, while the
 * promise API's open/fstat/read/close round trips cost more CPU than the reading itself
 * (`pnpm bench --only proc-read`).
 */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
