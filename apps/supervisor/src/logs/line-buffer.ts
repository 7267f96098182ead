const NEWLINE = 0x0a;

/**
 * Cuts bytes read from a growing file into whole lines. A line still being written stays
 * here until its newline comes; bytes are decoded a whole line at a time, so a character
 * split across two reads is not mangled.
 */
export class LineBuffer {
  #pieces: Buffer[] = [];

  /** The lines `chunk` completes, oldest first. `chunk` is copied where kept. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, at);
      lines.push((this.#pieces.length === 0 ? piece : Buffer.concat([...this.#pieces, piece])).toString('utf8'));
      this.#pieces = [];
      start = at + 1;
    }
    if (start < chunk.length) this.#pieces.push(Buffer.from(chunk.subarray(start)));
    return lines;
  }

  /** The unfinished line, if any, which then counts as finished: its file will get no more. */
  flush(): string | undefined {
    if (this.#pieces.length === 0) return undefined;
    const line = Buffer.concat(this.#pieces).toString('utf8');
    this.#pieces = [];
    return line;
  }

  /** Forgets the unfinished line (the file was truncated under it). */
  reset(): void {
    this.#pieces = [];
  }
}
