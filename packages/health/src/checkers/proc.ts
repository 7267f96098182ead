import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from '@mpm/system';

/** What /proc says about a process. */
export interface ProcFacts {
  /** The state letter of /proc/PID/stat: R running, S sleeping, D disk wait, T stopped, Z zombie... */
  readonly state: string;
  readonly threads: number;
  /** Null when /proc/PID/fd cannot be read (another user's process). */
  readonly openFds: number | null;
  /** User plus system CPU time, in clock ticks (USER_HZ). */
  readonly cpuTicks: number;
  /** When the process started, in clock ticks since boot. */
  readonly startTicks: number;
  /** Resident memory (VmRSS), in bytes; null when /proc/PID/status could not be read. */
  readonly rssBytes: number | null;
}

/** Seconds since boot (/proc/uptime), or undefined without /proc. */
export function systemUptimeSeconds(): number | undefined {
  try {
    return Number.parseFloat(readFileSync('/proc/uptime', 'utf8'));
  } catch {
    return undefined;
  }
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
 * Reads /proc/PID/stat and /proc/PID/status and counts /proc/PID/fd. Undefined when the
 * process is gone or there is no /proc (not Linux).
 *
 * Synchronous on purpose: procfs lives in memory and answers in microseconds, while the
 * promise API's open/fstat/read/close round trips cost more CPU than the reading itself:
 * the same three reads through fs.promises take about ten times the CPU of this function
 * (`pnpm bench --only proc-read`; the figures are in test/bench/results/latest.md).
 */
export function readProcFacts(pid: number): ProcFacts | undefined {
  const stat = readProcStat(pid);
  if (stat === undefined) return undefined;
  const { state, threads, cpuTicks, startTicks } = stat;
  let openFds: number | null = null;
  try {
    openFds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    // EACCES: not ours to look at; the other facts still stand.
  }
  return { state, threads, openFds, cpuTicks, startTicks, rssBytes: readRssBytes(pid) };
}

/** VmRSS from /proc/PID/status (in kB there, whatever the page size); a zombie has none. */
export function readRssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}
