import type { OutputLine } from '@mpm/child';
import type winston from 'winston';
import { LEVEL, type LogInfo } from './record.js';

/** Hands one line of the child's output to the log. */
export type ChildLineWriter = (line: OutputLine) => void;

/**
 * The fields of a child line's record besides its message: `source`, `stream`, `pid`,
 * and `truncated` with `originalBytes` when the line was cut (docs/design.md §8).
 */
export function childLineFields(line: OutputLine): Record<string, unknown> {
  const fields: Record<string, unknown> = { source: 'child', stream: line.stream, pid: line.pid };
  if (line.cut !== undefined) {
    fields['truncated'] = true;
    fields['originalBytes'] = line.cut.originalBytes;
  }
  return fields;
}

/**
 * Makes the JSON line of a child line's record, byte for byte what the logger's `jsonLine`
 * format makes of it (the leading fields in their order, then the cut), without building
 * the record first: this runs for every line a flooding child writes. The part before the
 * message is made once for the lines that share a time, stream and pid.
 */
export function childLineJson(): (line: OutputLine, timestamp: string) => string {
  let timestamp = '';
  let stream = '';
  let pid = 0;
  let head = '';
  return (line, now) => {
    if (now !== timestamp || line.stream !== stream || line.pid !== pid) {
      timestamp = now;
      stream = line.stream;
      pid = line.pid;
      head = `{"timestamp":"${now}","level":"info","source":"child","stream":"${stream}","pid":${pid},"message":`;
    }
    const message = JSON.stringify(line.text);
    return line.cut === undefined ? `${head}${message}}` : `${head}${message},"truncated":true,"originalBytes":${line.cut.originalBytes}}`;
  };
}

/** The record of a child line as the logger would pass it to a transport's own format (pretty lines). */
export function childLineInfo(line: OutputLine, timestamp: string): LogInfo {
  return { level: 'info', [LEVEL]: 'info', message: line.text, ...childLineFields(line), timestamp };
}

/**
 * A clock for child lines: the first line of a task (one chunk of output read from the
 * child) reads the time, the others of that chunk share it. They arrived together, and a
 * flood brings thousands of lines in each chunk.
 */
export function chunkClock(now: () => string = () => new Date().toISOString()): () => string {
  let stamp: string | undefined;
  return () => {
    if (stamp === undefined) {
      stamp = now();
      queueMicrotask(() => (stamp = undefined));
    }
    return stamp;
  };
}

const writers = new WeakMap<winston.Logger, ChildLineWriter>();

/** Gives a logger its fast path for child lines (createSupervisorLog does, for its own logger). */
export function setChildLineWriter(logger: winston.Logger, writer: ChildLineWriter): void {
  writers.set(logger, writer);
}

/**
 * How child lines reach `logger`: the fast path of a supervisor log (one JSON line made
 * per line, written in batches), or for any other logger one `logger.info` each.
 */
export function childLineWriter(logger: winston.Logger): ChildLineWriter {
  return writers.get(logger) ?? ((line) => logger.info(line.text, childLineFields(line)));
}
