/** The supervisor's exit codes (docs/design.md §5). */
export const ExitCode = {
  ok: 0,
  internalError: 1,
  /** `status` or `logs` found no running supervisor (as LSB's "program is not running"). */
  notRunning: 3,
  usage: 64,
  gaveUp: 75,
  config: 78,
  commandNotFound: 127,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
