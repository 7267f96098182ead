import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isProcessAlive } from '@mpm/child';
import { checkStateDir, describeStateDirProblem, type StateDirProblem } from './state-dir.js';

/**
 * What `mpm-supervise status` and `logs` need to find a running supervisor (docs/design.md §5):
 * written when the status server listens, removed when the supervisor exits.
 */
export interface StateRecord {
  readonly name: string;
  readonly pid: number;
  readonly version: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** The status server; null when http.enabled is false. */
  readonly http: { readonly url: string; readonly host: string; readonly port: number; readonly tokenRequired: boolean } | null;
  readonly logFile: string | null;
  /** The supervised command, secrets hidden. */
  readonly command: readonly string[];
}

/** `--state-dir`, else `$XDG_RUNTIME_DIR/mpm-supervise`, else a per-user folder in the OS temp dir. */
export function stateDirFor(setting: string | null, env: NodeJS.ProcessEnv): string {
  if (setting !== null) return setting;
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime !== undefined && runtime !== '') return join(runtime, 'mpm-supervise');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `mpm-supervise-${uid}`);
}

export function stateFilePath(dir: string, name: string): string {
  return join(dir, `${name}.json`);
}

/** A state file is a few hundred bytes; a bigger one is not ours and is not read whole. */
const MAX_STATE_FILE_BYTES = 64 * 1024;

/** A state file as read: its record and who owns it, or why it was not read. */
export type StateFileEntry =
  | { readonly kind: 'ok'; readonly record: StateRecord; readonly owner: number }
  /** Missing, damaged, or not one of ours: skipped without a word, as a stray file. */
  | { readonly kind: 'invalid' }
  /** A symlink, a FIFO or the like where a state file should be: someone put it there. */
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * Reads a state file without following a symlink in its place or waiting on a FIFO
 * (O_NOFOLLOW, O_NONBLOCK), and says who owns the file it read.
 */
export function readStateEntry(path: string): StateFileEntry {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP' ? { kind: 'refused', reason: 'it is a symlink' } : { kind: 'invalid' };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: 'refused', reason: 'it is not a regular file' };
    if (stats.size > MAX_STATE_FILE_BYTES) return { kind: 'refused', reason: `it is larger than ${MAX_STATE_FILE_BYTES / 1024} KiB` };
    const buffer = Buffer.alloc(MAX_STATE_FILE_BYTES + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    const record = recordOf(buffer.subarray(0, length).toString('utf8'));
    return record === undefined ? { kind: 'invalid' } : { kind: 'ok', record, owner: stats.uid };
  } catch {
    return { kind: 'invalid' };
  } finally {
    closeSync(fd);
  }
}

/** Reads a state file; undefined when it is missing, not one of ours, or not a plain file. */
export function readStateFile(path: string): StateRecord | undefined {
  const entry = readStateEntry(path);
  return entry.kind === 'ok' ? entry.record : undefined;
}

function recordOf(text: string): StateRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const record = parsed as Partial<StateRecord> | null;
  if (record === null || typeof record !== 'object' || !Number.isSafeInteger(record.pid) || record.pid! < 1 || typeof record.name !== 'string') return undefined;
  // `logs` opens the file it names: a path or nothing.
  if (record.logFile !== undefined && record.logFile !== null && typeof record.logFile !== 'string') return undefined;
  return record as StateRecord;
}

/** The state folder is one the supervisor must not write into (StateFile.write). */
export class UnsafeStateDirError extends Error {
  override readonly name = 'UnsafeStateDirError';
  readonly dir: string;
  readonly reason: StateDirProblem;
  /** Who owns the folder (or the symlink in its place). */
  readonly owner: number;

  constructor(dir: string, reason: StateDirProblem, owner: number, problem: string) {
    super(`${dir} ${problem}`);
    this.dir = dir;
    this.reason = reason;
    this.owner = owner;
  }
}

/** The uid files are written as; -1 where there is none (Windows). */
export function currentUid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : -1;
}

/** The state file of one supervisor run. */
export class StateFile {
  readonly path: string;
  readonly #pid: number;

  constructor(dir: string, name: string, pid: number = process.pid) {
    this.path = stateFilePath(dir, name);
    this.#pid = pid;
  }

  /** Another live supervisor that holds this name, if any. */
  holder(): StateRecord | undefined {
    const current = readStateFile(this.path);
    return current !== undefined && current.pid !== this.#pid && isProcessAlive(current.pid) ? current : undefined;
  }

  /** The folder the file goes in. */
  get dir(): string {
    return dirname(this.path);
  }

  /**
   * Throws an UnsafeStateDirError unless the folder is this user's own, a real folder,
   * and writable by no one else; makes it (0700) when it is missing.
   */
  assertSafeDir(): void {
    const uid = currentUid();
    if (uid === -1) return;
    let check = checkStateDir(this.dir, uid, 'writer');
    if (check.kind === 'missing') {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      check = checkStateDir(this.dir, uid, 'writer');
    }
    if (check.kind === 'unsafe') throw new UnsafeStateDirError(this.dir, check.reason, check.owner, describeStateDirProblem(check, uid, 'writer'));
  }

  /**
   * Writes the record whole or not at all (a reader never sees half a file), readable by
   * this user only: it names the log file and the status server. The temp file has a
   * random name and is made new (O_EXCL, O_NOFOLLOW): nothing planted in the folder is
   * written through, and the rename replaces a symlink at the file's name, never its target.
   * Throws an UnsafeStateDirError for a folder it must not use, or a file system error.
   */
  write(record: StateRecord): void {
    this.assertSafeDir();
    const temporary = `${this.path}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        const bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
        for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  /** Removes the file if it is still this run's (a newer supervisor of the same name may have taken it). */
  remove(): void {
    if (readStateFile(this.path)?.pid !== this.#pid) return;
    rmSync(this.path, { force: true });
  }
}
