import { createWriteStream, existsSync, openSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import TransportStream from 'winston-transport';
import { LineBatch } from './line-batch.js';
import { MESSAGE, type LogInfo } from './record.js';

const NEWLINE = 0x0a;

export interface RotatingFileOptions {
  readonly filename: string;
  /** Rotate before a line would take the file past this size. */
  readonly maxBytes: number;
  /** Files kept, the current one included: `app.log`, `app.log.1` … `app.log.<maxFiles-1>`. */
  readonly maxFiles: number;
}

/**
 * A winston transport that appends each record's line to a file and rotates it by size.
 *
 * winston's own File transport drops lines that arrive while it rotates (about a hundred
 * per rotation under a busy child, measured here), which a supervisor's log must never do.
 * Here rotation is a rename: lines already handed to the old stream still land in the old
 * file (renamed, same inode), later ones in the new file, in order, none dropped.
 * Lines are written in batches (LineBatch), and a batch is split between files at a line's end.
 */
export class RotatingFileTransport extends TransportStream {
  readonly #options: RotatingFileOptions;
  readonly #batch = new LineBatch((text) => this.#writeOut(Buffer.from(text)));
  #stream: WriteStream;
  #size: number;
  #failed = false;
  #ended = false;

  constructor(options: RotatingFileOptions) {
    super();
    this.#options = options;
    this.#size = existsSync(options.filename) ? statSync(options.filename).size : 0;
    this.#stream = this.#open();
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
    if (!this.#ended) this.#batch.add(line);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#batch.flush();
    this.#ended = true;
    this.#stream.end(() => callback());
  }

  /**
   * Writes a batch of whole lines, rotating before a line that would take the file past
   * maxBytes. A line longer than maxBytes gets a file of its own rather than be cut.
   */
  #writeOut(batch: Buffer): void {
    const maxBytes = Math.floor(this.#options.maxBytes);
    let rest = batch;
    while (this.#size + rest.length > maxBytes) {
      const room = maxBytes - this.#size;
      let fits = room > 0 ? rest.lastIndexOf(NEWLINE, room - 1) + 1 : 0;
      if (fits === 0 && this.#size === 0) fits = rest.indexOf(NEWLINE) + 1 || rest.length;
      this.#append(rest.subarray(0, fits));
      rest = rest.subarray(fits);
      if (rest.length === 0) return;
      this.#rotate();
    }
    this.#append(rest);
  }

  #append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#stream.write(bytes);
    this.#size += bytes.length;
  }

  #open(): WriteStream {
    // Open synchronously: the file must exist the moment the stream does, or a rotation
    // that comes before an asynchronous open would find nothing to rename.
    const fd = openSync(this.#options.filename, 'a');
    const stream = createWriteStream(this.#options.filename, { fd });
    stream.on('error', (error) => {
      // A full disk must not stop the supervisor; stdout still has every line.
      if (this.#failed) return;
      this.#failed = true;
      process.stderr.write(`mpm-supervise: cannot write log file ${this.#options.filename}: ${error.message}\n`);
    });
    return stream;
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
      // Keep writing to the file we have; try again after another maxBytes.
      process.stderr.write(`mpm-supervise: cannot rotate log file ${filename}: ${(error as Error).message}\n`);
      return;
    }
    // Lines already handed to the old stream still go to the renamed file.
    this.#stream.end();
    this.#stream = this.#open();
  }
}
