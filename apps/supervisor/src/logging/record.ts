/** winston keeps the formatted line under this symbol (triple-beam's MESSAGE). */
export const MESSAGE = Symbol.for('message');
/** winston's level symbol (triple-beam's LEVEL). */
export const LEVEL = Symbol.for('level');

export type LogInfo = Record<string | symbol, unknown> & { level: string; message: unknown };

/**
 * Fields every line carries, in the order they are written (docs/design.md §8). Supervisor events
 * add their own fields (`event`, `childPid`, `exitCode`, …) after these.
 */
export const LEADING_FIELDS = ['timestamp', 'level', 'source', 'stream', 'pid', 'message'] as const;
