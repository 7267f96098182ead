import { createWriteStream, existsSync, openSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import TransportStream from 'winston-transport';
import { MESSAGE, type LogInfo } from './record.js';

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
 */
export class RotatingFileTransport extends TransportStream {
  readonly #options: RotatingFileOptions;
  #stream: WriteStream;
  #size: number;
  #failed = false;

  constructor(options: RotatingFileOptions) {
    super();
    this.#options = options;
    this.#size = existsSync(options.filename) ? statSync(options.filename).size : 0;
    this.#stream = this.#open();
  }

  override log(info: unknown, callback: () => void): void {
    const line = `${String((info as LogInfo)[MESSAGE])}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.#options.maxBytes) this.#rotate();
    this.#stream.write(line);
    this.#size += bytes;
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#stream.end(() => callback());
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
