import { readdirSync } from 'node:fs';
import { readProcStat, type ProcStat } from '@mpm/system';

/**
 * Sends `signal` to every process of the group `pgid` (the child spawned detached is its
 * group's leader, so grandchildren are reached too). Returns false when nobody is left.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isErrno(error, 'ESRCH')) return false;
    // EPERM: a member changed user; the ones we may signal were signalled.
    if (isErrno(error, 'EPERM')) return true;
    throw error;
  }
}

const hasProc = process.platform === 'linux';

/**
 * Live members of a process group. Zombies are left out: a reparented grandchild that
 * its new parent has not reaped yet can no longer hold a port or write a line.
 */
export function liveGroupMembers(pgid: number): number[] {
  if (!hasProc) return signalGroup(pgid, 0) ? [pgid] : [];
  return procStats()
    .filter((stat) => stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X')
    .map((stat) => stat.pid);
}

/** Every process /proc shows now (Linux; empty elsewhere). A process gone mid-scan is left out. */
export function procStats(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const stats: ProcStat[] = [];
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/** True while `pid` is a process that is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  if (hasProc) {
    const stat = readProcStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isErrno(error, 'ESRCH');
  }
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
