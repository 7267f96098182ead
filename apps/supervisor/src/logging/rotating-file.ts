import { existsSync, renameSync, rmSync } from 'node:fs';
import TransportStream from 'winston-transport';
import { LineBatch } from './line-batch.js';
import { identityAt, isUnlinked, openLogFile, type OpenLogFile } from './open-log-file.js';
import { MESSAGE, type LogInfo } from './record.js';

const NEWLINE = 0x0a;
/** How often the path is checked to still name the open file: one stat, never per line. */
export const CHECK_EVERY_MS = 1000;
/** How often an unwritable file is tried again: a full disk is not retried per line. */
export const RETRY_EVERY_MS = 1000;

/** Why the file was opened again. */
export type ReopenReason =
  /** The file was deleted (its folder too, perhaps): lines written to it since the last check are lost. */
  | 'deleted'
  /** The path names another file, or none, while ours lives on under another name (logrotate without a signal). */
  | 'moved'
  /** Writing failed (ENOSPC, EIO…); lines were counted, not written, until a write landed again. */
  | 'write_failed'
  /** Rotating it failed (ENOENT: it was gone), or the file after a rotation could not be opened. */
  | 'rotation_failed'
  /** SIGHUP (logrotate's postrotate). */
  | 'signal';

export interface Reopened {
  readonly reason: ReopenReason;
  /** Lines that reached no file since the last report. */
  readonly linesLost: number;
  /** The error behind a failure, e.g. ENOSPC. */
  readonly code?: string;
}

export interface RotatingFileOptions {
  readonly filename: string;
  /** Rotate before a line would take the file past this size. */
  readonly maxBytes: number;
  /** Files kept, the current one included: `app.log`, `app.log.1` … `app.log.<maxFiles-1>`. */
  readonly maxFiles: number;
  /** Told once the file takes lines again after a reopening. */
  readonly onReopened?: (reopened: Reopened) => void;
  /** Told when the file stops taking lines (once, until it takes them again). */
  readonly onUnwritable?: (code: string) => void;
  /** Epoch ms, for the check of the path and the retries. */
  readonly now?: () => number;
}

type Report = Omit<Reopened, 'linesLost'>;

type FileState =
  /** Lines go to `file`. `unreported`: a reopening after a failure, told once a write lands (a full disk opens fine). */
  | { readonly kind: 'open'; readonly file: OpenLogFile; readonly unreported: Report | null }
  /** Lines are counted as lost, not kept, until `retryAt`, when the file is opened again. */
  | { readonly kind: 'unwritable'; readonly reason: ReopenReason; readonly code: string; readonly retryAt: number }
  | { readonly kind: 'ended' };

/**
 * A winston transport that appends each record's line to a file and rotates it by size.
 *
 * winston's own File transport drops lines that arrive while it rotates (about a hundred
 * per rotation under a busy child, measured here), which a supervisor's log must never do.
 * Here rotation is a rename: lines already handed to the old stream still land in the old
 * file (renamed, same inode), later ones in the new file, in order, none dropped.
 * Lines are written in batches (LineBatch), and a batch is split between files at a line's end.
 *
 * The file is opened again at its path (its folder made again) when it stops being the
 * file there (deleted, moved: checked at most once a second, before a batch), when a write
 * fails (tried again at most once a second, the lines meanwhile counted, not kept), when a
 * rotation finds it gone, and on reopen() (SIGHUP). Each reopening is told with the lines lost.
 */
export class RotatingFileTransport extends TransportStream {
  readonly #options: RotatingFileOptions;
  readonly #now: () => number;
  readonly #batch = new LineBatch((text, lines) => this.#writeOut(text, lines));
  #state: FileState;
  #size = 0;
  #linesLost = 0;
  /** Lines written to the open file since its path was last found to name it. */
  #linesSinceCheck = 0;
  #checkAt: number;

  constructor(options: RotatingFileOptions) {
    super();
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#state = this.#opened(openLogFile(options.filename), null);
    this.#checkAt = this.#now() + CHECK_EVERY_MS;
  }

  override log(info: unknown, callback: () => void): void {
    this.writeLine(String((info as LogInfo)[MESSAGE]));
    callback();
  }

  /**
   * Appends one line (given without its newline). The logger's fast path for child lines
   * calls this directly; ignored once the transport has ended.
   */
  writeLine(line: string): void {
    if (this.#state.kind !== 'ended') this.#batch.add(line);
  }

  /** Opens the file at the path again (after logrotate moved it); the lines given so far go to the old one. */
  reopen(): void {
    if (this.#state.kind === 'ended') return;
    this.#batch.flush();
    this.#reopen('signal');
  }

  override _final(callback: (error?: Error | null) => void): void {
    void this.seal().then(() => callback());
  }

  /**
   * Stops taking lines and writes out what it holds; resolves once the file has every
   * line given before. Lines given later are dropped: for a record that must be the
   * file's last (an internal error), appended after this.
   */
  seal(): Promise<void> {
    this.#batch.flush();
    const state = this.#state;
    this.#state = { kind: 'ended' };
    return new Promise((resolve) => {
      if (state.kind === 'open') state.file.stream.end(() => resolve());
      else resolve();
    });
  }

  /**
   * Writes a batch of whole lines, rotating before a line that would take the file past
   * maxBytes. A line longer than maxBytes gets a file of its own rather than be cut.
   */
  #writeOut(text: string, lines: number): void {
    const now = this.#now();
    const state = this.#state;
    if (state.kind === 'unwritable' && now >= state.retryAt) this.#reopen(state.reason, state.code);
    else if (state.kind === 'open' && now >= this.#checkAt) this.#checkPath(now);
    if (this.#state.kind !== 'open') {
      this.#linesLost += lines;
      return;
    }
    const maxBytes = Math.floor(this.#options.maxBytes);
    let rest = Buffer.from(text);
    let restLines = lines;
    while (this.#size + rest.length > maxBytes) {
      const room = maxBytes - this.#size;
      let fits = room > 0 ? rest.lastIndexOf(NEWLINE, room - 1) + 1 : 0;
      if (fits === 0 && this.#size === 0) fits = rest.indexOf(NEWLINE) + 1 || rest.length;
      const head = rest.subarray(0, fits);
      const headLines = countLines(head);
      this.#append(head, headLines);
      rest = rest.subarray(fits);
      restLines -= headLines;
      if (rest.length === 0) return;
      this.#rotate();
      if (this.#state.kind !== 'open') {
        this.#linesLost += restLines;
        return;
      }
    }
    this.#append(rest, restLines);
  }

  #append(bytes: Buffer, lines: number): void {
    const state = this.#state;
    if (bytes.length === 0 || state.kind !== 'open') return;
    const stream = state.file.stream;
    stream.write(bytes, (error) => this.#written(stream, lines, error));
    this.#size += bytes.length;
    this.#linesSinceCheck += lines;
  }

  /** A write's outcome: a failure makes the file unwritable; the first success after a reopening is told. */
  #written(stream: OpenLogFile['stream'], lines: number, error: Error | null | undefined): void {
    const state = this.#state;
    const current = state.kind === 'open' && state.file.stream === stream ? state : undefined;
    if (error !== null && error !== undefined) {
      this.#linesLost += lines;
      if (current !== undefined) this.#fail(current.unreported?.reason ?? 'write_failed', codeOf(error), 'destroy');
      return;
    }
    if (current !== undefined && current.unreported !== null) {
      this.#state = { ...current, unreported: null };
      this.#report(current.unreported);
    }
  }

  /** Reopens the file when the path no longer names it (deleted, moved, replaced). One stat, once a second. */
  #checkPath(now: number): void {
    this.#checkAt = now + CHECK_EVERY_MS;
    const state = this.#state;
    if (state.kind !== 'open') return;
    const atPath = identityAt(this.#options.filename);
    if (atPath !== undefined && atPath.dev === state.file.dev && atPath.ino === state.file.ino) {
      this.#linesSinceCheck = 0;
      return;
    }
    this.#reopenGone(null);
  }

  /** The path lost our file: what went to it since the last check is lost if it was deleted, and kept if it was moved. */
  #reopenGone(reason: ReopenReason | null, code?: string): void {
    const state = this.#state;
    if (state.kind !== 'open') return;
    const deleted = isUnlinked(state.file);
    if (deleted) this.#linesLost += this.#linesSinceCheck;
    this.#reopen(reason ?? (deleted ? 'deleted' : 'moved'), code);
  }

  #reopen(reason: ReopenReason, code?: string): void {
    const before = this.#state;
    if (before.kind === 'ended') return;
    let file: OpenLogFile;
    try {
      file = openLogFile(this.#options.filename);
    } catch (error) {
      this.#fail(reason, codeOf(error), 'end');
      return;
    }
    const report: Report = code === undefined ? { reason } : { reason, code };
    if (before.kind === 'open') before.file.stream.end();
    // After a failure the file is good once a write lands in it: a full disk opens fine.
    this.#state = this.#opened(file, before.kind === 'unwritable' ? report : null);
    if (before.kind === 'open') this.#report(report);
  }

  #rotate(): void {
    const { filename, maxFiles } = this.#options;
    this.#size = 0;
    try {
      rmSync(`${filename}.${maxFiles - 1}`, { force: true });
      for (let index = maxFiles - 2; index >= 1; index -= 1) {
        if (existsSync(`${filename}.${index}`)) renameSync(`${filename}.${index}`, `${filename}.${index + 1}`);
      }
      if (maxFiles > 1) renameSync(filename, `${filename}.1`);
      else rmSync(filename, { force: true });
    } catch (error) {
      const code = codeOf(error);
      // Gone (deleted with its folder, moved away): a file at the path again.
      if (code === 'ENOENT') this.#reopenGone('rotation_failed', code);
      // Else keep writing to the file we have; try again after another maxBytes.
      else process.stderr.write(`mpm-supervise: cannot rotate log file ${filename}: ${(error as Error).message}\n`);
      return;
    }
    const state = this.#state;
    if (state.kind !== 'open') return;
    let file: OpenLogFile;
    try {
      file = openLogFile(filename);
    } catch (error) {
      this.#fail('rotation_failed', codeOf(error), 'end');
      return;
    }
    // Lines already handed to the old stream still go to the renamed file.
    state.file.stream.end();
    this.#state = this.#opened(file, state.unreported);
  }

  #opened(file: OpenLogFile, unreported: Report | null): FileState {
    // Errors come to each write's callback (#written); this keeps them from being thrown.
    file.stream.on('error', () => undefined);
    this.#size = file.size;
    this.#linesSinceCheck = 0;
    if (file.endsMidLine) {
      // A line cut short (a full disk) must not swallow the next one.
      file.stream.write('\n');
      this.#size += 1;
    }
    return { kind: 'open', file, unreported };
  }

  /** Stops writing: lines are counted until a reopening is tried, at most once a second. */
  #fail(reason: ReopenReason, code: string, old: 'end' | 'destroy'): void {
    const state = this.#state;
    if (state.kind === 'ended') return;
    if (state.kind === 'open') {
      // A stream whose write failed holds nothing worth waiting for; one being replaced may.
      if (old === 'destroy') state.file.stream.destroy();
      else state.file.stream.end();
    }
    this.#state = { kind: 'unwritable', reason, code, retryAt: this.#now() + RETRY_EVERY_MS };
    // Told once: a retry that opened the file but could not write to it is the same trouble.
    if (state.kind === 'open' && state.unreported === null) this.#options.onUnwritable?.(code);
  }

  #report(report: Report): void {
    const linesLost = this.#linesLost;
    this.#linesLost = 0;
    this.#options.onReopened?.({ ...report, linesLost });
  }
}

function countLines(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
