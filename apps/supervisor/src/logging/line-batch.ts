/** Characters gathered before they are written at once rather than at the end of the task. */
export const BATCH_CHARS = 64 * 1024;

/**
 * Gathers lines and hands them to `write` as one string once the current task is over (a
 * microtask), or sooner when BATCH_CHARS have gathered. A chunk of child output holds
 * thousands of lines: written one by one they cost a system call each on stdout and a
 * stream write each on the file, which is most of what relaying them costs.
 */
export class LineBatch {
  readonly #write: (text: string, lines: number) => void;
  // Joined once when written: cheaper than growing a string line by line.
  #lines: string[] = [];
  #chars = 0;
  #scheduled = false;

  /** `write` is given the lines joined, each with its newline, and how many there are. */
  constructor(write: (text: string, lines: number) => void) {
    this.#write = write;
  }

  /** Characters waiting to be written. */
  get length(): number {
    return this.#chars;
  }

  /** Adds one line (without its newline). */
  add(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length + 1;
    if (this.#chars >= BATCH_CHARS) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is waiting now (before a rotation, an end, or a line that must follow it). */
  flush(): void {
    if (this.#chars === 0) return;
    const lines = this.#lines;
    this.#lines = [];
    this.#chars = 0;
    const count = lines.length;
    lines.push('');
    this.#write(lines.join('\n'), count);
  }
}
