import { commandText, hasProcfs, isSupervisorCommand, processIdentity, type ProcessIdentity } from './process-identity.js';
import type { StateRecord } from './state-file.js';

/**
 * What `status` and `logs` make of a state file, given who owns it: the supervisor it
 * names runs, is gone, or the file is not to be believed (with the reason, for one line).
 */
export type StateFileTrust = { readonly kind: 'running' } | { readonly kind: 'gone' } | { readonly kind: 'refused'; readonly reason: string };

/** The look at processes the judgement needs; tests may replace it. */
export interface ProcessLook {
  /** The process runs and started before the record was written (a reused pid did not). */
  isRunning(record: StateRecord): boolean;
  /** undefined when the process is gone, or when this system has no /proc to ask. */
  identity(pid: number): ProcessIdentity | undefined;
  readonly hasProcfs: boolean;
}

export const realProcessLook = (isRunning: (record: StateRecord) => boolean): ProcessLook => ({ isRunning, identity: processIdentity, hasProcfs: hasProcfs() });

/**
 * A state file speaks for a process only when the same user wrote both: the reader's own
 * file, or, read by root, a file whose owner runs the process it names (a supervisor of
 * systemd's User=). And that process must be an mpm-supervise one: not pid 1, not some
 * program that got the pid. `readerUid` -1: no uids on this system, nothing to check.
 */
export function judgeStateFile(record: StateRecord, owner: number, readerUid: number, look: ProcessLook): StateFileTrust {
  if (readerUid !== -1 && readerUid !== 0 && owner !== readerUid) return { kind: 'refused', reason: `it belongs to uid ${owner}, not to you (uid ${readerUid})` };
  if (!look.isRunning(record)) return { kind: 'gone' };
  if (readerUid === -1 || !look.hasProcfs) return { kind: 'running' };
  const identity = look.identity(record.pid);
  if (identity === undefined) return { kind: 'gone' };
  if (identity.uid !== owner) return { kind: 'refused', reason: `it belongs to uid ${owner}, but pid ${record.pid} runs as uid ${identity.uid}` };
  if (!isSupervisorCommand(identity.commandLine, identity.cwd)) {
    return { kind: 'refused', reason: `pid ${record.pid} is not an mpm-supervise process (it runs ${commandText(identity.commandLine)})` };
  }
  return { kind: 'running' };
}
