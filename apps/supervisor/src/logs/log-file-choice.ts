import { lstatSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LookupRequest } from '../program.js';
import { findSupervisors, resolveLookup, type FoundSupervisor, type IgnoredStateFile, type Lookup } from '../state/lookup.js';
import { printable } from '../state/process-identity.js';
import { currentUid } from '../state/state-file.js';
import { AmbiguousSupervisorError, NoLogFileError, NoSupervisorError } from './errors.js';
import { kindOf } from './log-files.js';

/** The log file `logs` reads, and a note for stderr about where it came from. */
export interface LogFileChoice {
  readonly path: string;
  readonly note: string | null;
  /**
   * The uid the file must belong to when it is opened: set when another user's state file
   * names it (root reading a supervisor of User=), so that root prints only that user's file.
   */
  readonly owner: number | null;
}

/**
 * Picks the log file: `--file`; else the one the running supervisor writes (its state
 * file says); else the one a supervisor that is gone wrote; else the config's `log.file`.
 * Throws a SupervisorError saying what to do when there is none, or when several
 * supervisors run and nothing says which. A state file that is not believed, or that
 * names a log file its owner does not own, is passed to `onIgnored` and skipped.
 */
export function chooseLogFile(
  request: LookupRequest,
  file: string | null,
  env: NodeJS.ProcessEnv,
  cwd: string,
  onIgnored: (ignored: IgnoredStateFile) => void = () => undefined,
  readerUid: number = currentUid(),
): LogFileChoice {
  if (file !== null) return { path: resolve(cwd, file), note: null, owner: null };
  const lookup = resolveLookup(request, env, cwd);
  const findings = findSupervisors(lookup, readerUid);
  for (const ignored of findings.ignored) onIgnored(ignored);
  const found = findings.supervisors.filter((supervisor) => {
    const problem = logFileProblem(supervisor, readerUid);
    if (problem !== null) onIgnored({ path: supervisor.path, reason: problem });
    return problem === null;
  });
  const running = found.filter((supervisor) => supervisor.running);
  const names = [...new Set(running.map((supervisor) => supervisor.record.name))];
  if (names.length > 1) throw new AmbiguousSupervisorError(names.sort());
  // The newest start first (findSupervisors sorts them): one name seen in two state folders is one supervisor restarted.
  const live = running[0];
  if (live !== undefined && live.record.logFile !== null) return { path: live.record.logFile, note: null, owner: ownerToCheck(live, readerUid) };
  if (live === undefined) {
    const gone = found.find((supervisor) => supervisor.record.logFile !== null);
    if (gone !== undefined) return { path: gone.record.logFile!, note: `${describe(gone)} is not running; showing the log file it wrote`, owner: ownerToCheck(gone, readerUid) };
  }
  if (lookup.logFile !== null) {
    const why = live === undefined ? 'no running supervisor found' : `${describe(live)} writes no log file`;
    return { path: lookup.logFile, note: `${why}; reading log.file ${lookup.logFile}`, owner: null };
  }
  if (live !== undefined) {
    throw new NoLogFileError(`${describe(live)} writes no log file; start it with --log-file <file> (or log.file in its config) to read its logs here`);
  }
  throw new NoSupervisorError(`${notFound(lookup)}; name a log file with --file, or start the supervisor with --log-file`);
}

function describe(found: FoundSupervisor): string {
  return `supervisor ${printable(found.record.name)} (pid ${found.record.pid})`;
}

/** The reader's own state file may name any file the reader can read; another user's only that user's files. */
function ownerToCheck(found: FoundSupervisor, readerUid: number): number | null {
  return readerUid === -1 || found.owner === readerUid ? null : found.owner;
}

/**
 * Why the log file another user's state file names is not to be read, or null. Looked at
 * without following a symlink and without opening it (a device may act on open); openLog
 * checks the file it opens again.
 */
function logFileProblem(found: FoundSupervisor, readerUid: number): string | null {
  const path = found.record.logFile;
  const owner = ownerToCheck(found, readerUid);
  if (typeof path !== 'string' || owner === null) return null;
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return null; // Not there (yet): nothing to print, and `logs` says so.
  }
  const named = `the log file it names, ${printable(path)},`;
  if (!stats.isFile()) return `${named} is ${kindOf(stats)}, not a regular file`;
  if (stats.uid !== owner) return `${named} belongs to uid ${stats.uid}, not to uid ${owner} who wrote the state file`;
  return null;
}

function notFound(lookup: Lookup): string {
  const which = lookup.name === null ? 'no running supervisor' : `no running supervisor named ${lookup.name}`;
  return `${which} found in ${lookup.dirs.join(', ')}`;
}
