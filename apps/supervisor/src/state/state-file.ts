import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '@mpm/child';

/**
 * What `mpm-supervise status` and `logs` need to find a running supervisor (DESIGN §5):
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

/** Reads a state file; undefined when it is missing or not one of ours. */
export function readStateFile(path: string): StateRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const record = parsed as Partial<StateRecord> | null;
  if (record === null || typeof record !== 'object' || typeof record.pid !== 'number' || typeof record.name !== 'string') return undefined;
  return record as StateRecord;
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

  /**
   * Writes the record whole or not at all (a reader never sees half a file), readable by
   * this user only: it names the log file and the status server. Throws on a file system error.
   */
  write(record: StateRecord): void {
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${this.#pid}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
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
