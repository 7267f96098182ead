import { resolve } from 'node:path';
import type { LookupRequest } from '../program.js';
import { findSupervisors, resolveLookup, type FoundSupervisor, type Lookup } from '../state/lookup.js';
import { AmbiguousSupervisorError, NoLogFileError, NoSupervisorError } from './errors.js';

/** The log file `logs` reads, and a note for stderr about where it came from. */
export interface LogFileChoice {
  readonly path: string;
  readonly note: string | null;
}

/**
 * Picks the log file: `--file`; else the one the running supervisor writes (its state
 * file says); else the one a supervisor that is gone wrote; else the config's `log.file`.
 * Throws a SupervisorError saying what to do when there is none, or when several
 * supervisors run and nothing says which.
 */
export function chooseLogFile(request: LookupRequest, file: string | null, env: NodeJS.ProcessEnv, cwd: string): LogFileChoice {
  if (file !== null) return { path: resolve(cwd, file), note: null };
  const lookup = resolveLookup(request, env, cwd);
  const found = findSupervisors(lookup);
  const running = found.filter((supervisor) => supervisor.running);
  const names = [...new Set(running.map((supervisor) => supervisor.record.name))];
  if (names.length > 1) throw new AmbiguousSupervisorError(names.sort());
  // The newest start first (findSupervisors sorts them): one name seen in two state folders is one supervisor restarted.
  const live = running[0];
  if (live !== undefined && live.record.logFile !== null) return { path: live.record.logFile, note: null };
  if (live === undefined) {
    const gone = found.find((supervisor) => supervisor.record.logFile !== null);
    if (gone !== undefined) return { path: gone.record.logFile!, note: `${describe(gone)} is not running; showing the log file it wrote` };
  }
  if (lookup.logFile !== null) {
    const why = live === undefined ? 'no running supervisor found' : `${describe(live)} writes no log file`;
    return { path: lookup.logFile, note: `${why}; reading log.file ${lookup.logFile}` };
  }
  if (live !== undefined) {
    throw new NoLogFileError(`${describe(live)} writes no log file; start it with --log-file <file> (or log.file in its config) to read its logs here`);
  }
  throw new NoSupervisorError(`${notFound(lookup)}; name a log file with --file, or start the supervisor with --log-file`);
}

function describe(found: FoundSupervisor): string {
  return `supervisor ${found.record.name} (pid ${found.record.pid})`;
}

function notFound(lookup: Lookup): string {
  const which = lookup.name === null ? 'no running supervisor' : `no running supervisor named ${lookup.name}`;
  return `${which} found in ${lookup.dirs.join(', ')}`;
}
