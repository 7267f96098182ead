import { lastLineEnd, linesBackward } from './backward-lines.js';
import { LogFileReadError } from './errors.js';
import { parseLogLine, type LogLine } from './log-line.js';
import { closeLog, openLog, rotatedPath, sameFile, sizeOf, type OpenLog } from './log-files.js';

export interface LastLinesOptions {
  /** How many lines to keep (0: none, but the file is still opened for following). */
  readonly count: number;
  /** Which lines count (`--source`). */
  readonly matches: (line: LogLine) => boolean;
  /**
   * Leave out a last line without its newline: for `-f`, which prints it once it is whole.
   * Without it that line is printed as it is, as `tail` does.
   */
  readonly completeOnly: boolean;
  readonly chunkBytes?: number;
  /** The uid the files must belong to: see openLog. */
  readonly owner?: number;
}

export interface LastLines {
  /** Oldest first. */
  readonly lines: readonly LogLine[];
  /** The current file, still open: the caller follows it from `end` or closes it. */
  readonly current: OpenLog;
  /** Where the lines read end in `current`. */
  readonly end: number;
}

/**
 * The last `count` matching lines of the log at `path`, continuing into `path.1`,
 * `path.2` … while the newer files hold too few. Throws a LogFileReadError when `path`
 * cannot be read.
 */
export function readLastLines(path: string, options: LastLinesOptions): LastLines {
  const current = openLog(path, options.owner);
  if (current === undefined) throw new LogFileReadError(path, Object.assign(new Error('no such file'), { code: 'ENOENT' }));
  try {
    const { size } = sizeOf(current);
    const end = options.completeOnly ? lastLineEnd(current, size, options.chunkBytes) : size;
    const newestFirst: LogLine[] = [];
    collect(current, end, newestFirst, options);
    const read: OpenLog[] = [current];
    for (let index = 1; newestFirst.length < options.count; index += 1) {
      const rotated = openLog(rotatedPath(path, index), options.owner);
      if (rotated === undefined) break;
      try {
        // A rotation while we read renames the file we just read to `.1`: skip it, go on to the next.
        if (read.some((file) => sameFile(file, rotated))) continue;
        read.push(rotated);
        collect(rotated, sizeOf(rotated).size, newestFirst, options);
      } finally {
        closeLog(rotated);
      }
    }
    return { lines: newestFirst.reverse(), current, end };
  } catch (error) {
    closeLog(current);
    throw error;
  }
}

function collect(log: OpenLog, end: number, into: LogLine[], options: LastLinesOptions): void {
  if (into.length >= options.count) return;
  for (const text of linesBackward(log, end, options.chunkBytes)) {
    const line = parseLogLine(text);
    if (!options.matches(line)) continue;
    into.push(line);
    if (into.length >= options.count) return;
  }
}
