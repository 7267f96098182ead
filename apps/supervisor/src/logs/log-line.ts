import type { LogSource } from '../program.js';

/** A parsed JSON log record; only `level` and `message` are sure to be there. */
export type LogRecordLike = Record<string, unknown> & { level: string; message: unknown };

/** One line of the log file as it is, and its record when the line is one of ours. */
export interface LogLine {
  readonly text: string;
  /** undefined: not JSON, or JSON that is not a log record (printed as it is). */
  readonly record: LogRecordLike | undefined;
}

export function parseLogLine(text: string): LogLine {
  // Every record starts with `{`; anything else is not worth a JSON.parse.
  if (!text.startsWith('{')) return { text, record: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text, record: undefined };
  }
  return { text, record: isRecord(parsed) ? parsed : undefined };
}

function isRecord(value: unknown): value is LogRecordLike {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return typeof record['level'] === 'string' && 'message' in record;
}

/**
 * Which lines `--source` keeps. A line that is not a record cannot be placed and is kept,
 * so that nothing in the file is hidden; a record without `source` is the supervisor's
 * (its logger stamps every other one).
 */
export function sourceFilter(source: LogSource | null): (line: LogLine) => boolean {
  if (source === null) return () => true;
  return (line) => line.record === undefined || (line.record['source'] ?? 'supervisor') === source;
}
