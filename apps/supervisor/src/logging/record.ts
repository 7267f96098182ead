/**
 * The fields of one log record (docs/design.md §8). Supervisor events add their own fields
 * (`event`, `childPid`, `exitCode`, …) after these.
 */
export interface LogRecordFields {
  timestamp: string;
  level: string;
  source: 'supervisor' | 'child';
  stream?: 'stdout' | 'stderr';
  /** The process the line is about or came from: the child for its output, else the supervisor. */
  pid: number;
  message: string;
}

/** winston keeps the formatted line under this symbol (triple-beam's MESSAGE). */
export const MESSAGE = Symbol.for('message');
/** winston's level symbol (triple-beam's LEVEL). */
export const LEVEL = Symbol.for('level');

export type LogInfo = Record<string | symbol, unknown> & { level: string; message: unknown };

/** Fields every line carries, in the order they are written. */
export const LEADING_FIELDS = ['timestamp', 'level', 'source', 'stream', 'pid', 'message'] as const;
