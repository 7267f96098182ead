import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@mpm/child';
import { loadConfig } from '@mpm/config';
import { CLOCK_TICKS_PER_SECOND, readProcStat } from '@mpm/system';
import { ConfigError } from '../errors.js';
import type { LookupRequest } from '../program.js';
import { nameFromCommand } from '../run-options.js';
import { printable } from './process-identity.js';
import { checkStateDir, describeStateDirProblem } from './state-dir.js';
import { judgeStateFile, realProcessLook, type ProcessLook } from './state-file-trust.js';
import { currentUid, readStateEntry, readStateFile, stateDirFor, type StateRecord } from './state-file.js';

/** Where a systemd unit keeps its state (`RuntimeDirectory=mpm-supervise`): searched too, so that `sudo mpm-supervise status` finds it. */
export const SYSTEM_STATE_DIR = '/run/mpm-supervise';

/** What `status` and `logs` look for, resolved from flags, the environment and a config file. */
export interface Lookup {
  /** Only the supervisor of this name; null: every one found. */
  readonly name: string | null;
  /** The folders searched for state files, first match first. */
  readonly dirs: readonly string[];
  /** The bearer token for the status server (MPM_HTTP_TOKEN or the config file's http.token). */
  readonly token: string | null;
  /**
   * http.host as these settings give it (MPM_HTTP_HOST, the config file): the one address
   * off loopback that the token is sent to, because the same settings name it.
   */
  readonly httpHost: string;
  /** The log file the config names, for `logs` when no supervisor runs. */
  readonly logFile: string | null;
}

/**
 * Resolves a lookup as `run` would resolve the same settings: flags, then MPM_* variables,
 * then the config file. Throws a ConfigError when the config file cannot be used.
 */
export function resolveLookup(request: LookupRequest, env: NodeJS.ProcessEnv, cwd: string): Lookup {
  const outcome = loadConfig({ configFile: request.configFile ?? null, flags: [], commandLine: [], env, cwd, nameFromCommand });
  if (!outcome.ok) throw new ConfigError(outcome.errors.map((error) => error.message).join('\n'));
  const { config, sources } = outcome.loaded;
  // The default name says nothing about which supervisor the user means.
  const nameLayer = sources.get('name')?.layer;
  const name = request.name ?? (nameLayer === undefined || nameLayer === 'default' ? null : config.name);
  const stateDir = request.stateDir ?? config.stateDir;
  const dirs = stateDir !== null ? [stateDir] : unique([stateDirFor(null, env), SYSTEM_STATE_DIR]);
  return { name, dirs, token: config.http.token, httpHost: config.http.host, logFile: config.log.file === null ? null : config.log.file };
}

/** A state file found, and whether the supervisor it names still runs. */
export interface FoundSupervisor {
  readonly path: string;
  readonly record: StateRecord;
  readonly running: boolean;
  /** Who owns the state file: the user the supervisor runs as. */
  readonly owner: number;
  /** Whether the folder it is in belongs to the reader: only then is a stale file removed. */
  readonly ownFolder: boolean;
}

/** A state file, or a state folder, that is not believed: one line on stderr says why. */
export interface IgnoredStateFile {
  readonly path: string;
  readonly reason: string;
}

export interface Findings {
  /** Newest start first. */
  readonly supervisors: FoundSupervisor[];
  readonly ignored: IgnoredStateFile[];
}

/** `mpm-supervise: ignoring /run/mpm-supervise/chat.json: it belongs to uid 1001, not to you (uid 1000)` */
export function ignoredLine(ignored: IgnoredStateFile): string {
  return `ignoring ${printable(ignored.path)}: ${ignored.reason}`;
}

/**
 * The state files of `lookup` that can be believed (see judgeStateFile), and the ones
 * that cannot, with why. Missing or unreadable folders count as empty, damaged or foreign
 * files are skipped; a folder that anyone but the reader or root may have made is ignored
 * whole: its files could say anything.
 */
export function findSupervisors(lookup: Lookup, readerUid: number = currentUid(), look: ProcessLook = realProcessLook(isSupervisorRunning)): Findings {
  const supervisors: FoundSupervisor[] = [];
  const ignored: IgnoredStateFile[] = [];
  const seen = new Set<string>();
  for (const dir of lookup.dirs) {
    const check = readerUid === -1 ? ({ kind: 'safe', owner: -1 } as const) : checkStateDir(dir, readerUid, 'reader');
    if (check.kind === 'missing') continue;
    if (check.kind === 'unsafe') {
      ignored.push({ path: dir, reason: `it ${describeStateDirProblem(check, readerUid, 'reader')}` });
      continue;
    }
    for (const entry of listJson(dir)) {
      const path = join(dir, entry);
      const read = readStateEntry(path);
      if (read.kind === 'refused') ignored.push({ path, reason: read.reason });
      if (read.kind !== 'ok' || (lookup.name !== null && read.record.name !== lookup.name)) continue;
      const { record, owner } = read;
      const key = `${record.name}\0${record.pid}`;
      if (seen.has(key)) continue;
      const trust = judgeStateFile(record, owner, readerUid, look);
      if (trust.kind === 'refused') {
        ignored.push({ path, reason: trust.reason });
        continue;
      }
      seen.add(key);
      supervisors.push({ path, record, running: trust.kind === 'running', owner, ownFolder: check.owner === readerUid });
    }
  }
  // readStateFile checks only name and pid: a file without startedAt must not throw here.
  const startOf = (entry: FoundSupervisor): string => (typeof entry.record.startedAt === 'string' ? entry.record.startedAt : '');
  return { supervisors: supervisors.sort((a, b) => startOf(b).localeCompare(startOf(a))), ignored };
}

/**
 * Removes a stale state file; false when it could not, or must not: in a folder another
 * user owns, that user could swap the folder for a symlink between the check and the
 * removal, and root would remove a file of the same name elsewhere.
 */
export function removeStateFile(found: FoundSupervisor): boolean {
  if (!found.ownFolder) return false;
  try {
    // Only if it still names the same dead process: a new supervisor may have just written it.
    if (readStateFile(found.path)?.pid !== found.record.pid) return true;
    rmSync(found.path, { force: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * True while the process the record names runs and is the one that wrote it: a pid can
 * be reused after a crash, and a process that started after the record was written is
 * someone else.
 */
export function isSupervisorRunning(record: StateRecord): boolean {
  if (!isProcessAlive(record.pid)) return false;
  const started = processStartedAt(record.pid);
  const written = Date.parse(record.startedAt);
  if (started === undefined || Number.isNaN(written)) return true;
  // The record is written after the process starts; a few seconds of slack for clock steps.
  return started <= written + 5000;
}

/** When `pid` started, in epoch ms (Linux only). */
function processStartedAt(pid: number): number | undefined {
  const stat = readProcStat(pid);
  const boot = bootTime();
  if (stat === undefined || boot === undefined) return undefined;
  return boot + (stat.startTicks / CLOCK_TICKS_PER_SECOND) * 1000;
}

function bootTime(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('btime '));
    return line === undefined ? undefined : Number(line.slice(6)) * 1000;
  } catch {
    return undefined;
  }
}

function listJson(dir: string): string[] {
  try {
    return readdirSync(dir).filter((entry) => entry.endsWith('.json'));
  } catch {
    return [];
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
