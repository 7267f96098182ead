import { readFileSync } from 'node:fs';
import { readProcFacts, STATE_NAMES } from '@mpm/health';
import { describeSyscall } from './syscall-names.js';

/** What /proc says of a process's main thread, as a hang report keeps it. */
export interface ProcState {
  /** `S (sleeping)`: the letter of /proc/PID/stat with its meaning. */
  readonly state: string;
  readonly wchan: string | null;
  readonly syscall: string | null;
}

/**
 * State (through the process checker's own reader), wait channel and system call of
 * `pid`; undefined when the process is gone. wchan and syscall need the right to trace
 * the process (the supervisor is its parent, but a container or Yama may still refuse):
 * they are null when they cannot be read, or when the kernel has nothing to say ("0").
 */
export function readProcState(pid: number): ProcState | undefined {
  const facts = readProcFacts(pid);
  if (facts === undefined) return undefined;
  const wchan = readOrNull(`/proc/${pid}/wchan`);
  const syscall = readOrNull(`/proc/${pid}/syscall`);
  return {
    state: `${facts.state} (${STATE_NAMES[facts.state] ?? 'unknown state'})`,
    wchan: wchan === null || wchan === '' || wchan === '0' ? null : wchan,
    syscall: syscall === null ? null : (describeSyscall(syscall) ?? null),
  };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}
