import { ExitCode } from '../exit-codes.js';
import { SupervisorError } from '../errors.js';
import { readLastLines } from '../logs/last-lines.js';
import { chooseLogFile } from '../logs/log-file-choice.js';
import { closeLog } from '../logs/log-files.js';
import { parseLogLine, sourceFilter, type LogLine } from '../logs/log-line.js';
import { followLog, type FollowOptions } from '../logs/follower.js';
import { stopOnProcessSignals } from '../logs/process-stop.js';
import { lineRenderer } from '../logs/render.js';
import type { LogsRequest, LookupRequest } from '../program.js';
import { ignoredLine } from '../state/lookup.js';
import type { CommandIO } from './io.js';

/** Poll settings for tests; the CLI uses the follower's defaults. */
export type FollowTuning = Pick<FollowOptions, 'clock' | 'pollMs' | 'busyPollMs' | 'quietMs'>;

/**
 * `mpm-supervise logs`: prints the last lines of a supervisor's log file, readable (or as
 * they are with --json), and with -f follows it across rotation until `stop` aborts. Without
 * `stop` (the CLI), SIGINT, SIGTERM or a closed stdout end following, with exit 0.
 * Errors the user can act on are printed as one line and returned as their exit code.
 */
export async function runLogs(lookup: LookupRequest, logs: LogsRequest, io: CommandIO, stop?: AbortSignal, tuning: FollowTuning = {}): Promise<ExitCode> {
  try {
    const choice = chooseLogFile(lookup, logs.file, io.env, io.cwd, (ignored) => io.writeErr(`mpm-supervise: ${ignoredLine(ignored)}\n`));
    const owner = choice.owner ?? undefined;
    if (choice.note !== null) io.writeErr(`mpm-supervise: note: ${choice.note}\n`);
    const matches = sourceFilter(logs.source);
    const render = lineRenderer({ json: logs.json, colors: io.stdoutIsTTY });
    const print = (lines: readonly LogLine[]): void => {
      if (lines.length > 0) io.writeOut(lines.map((line) => `${render(line)}\n`).join(''));
    };

    const last = readLastLines(choice.path, { count: logs.lines, matches, completeOnly: logs.follow, owner });
    print(last.lines);
    if (!logs.follow) {
      closeLog(last.current);
      return ExitCode.ok;
    }
    const own = stop === undefined ? stopOnProcessSignals() : undefined;
    try {
      await followLog({
        ...tuning,
        path: choice.path,
        owner,
        from: { log: last.current, offset: last.end },
        signal: stop ?? own!.signal,
        onLines: (texts) => print(texts.map(parseLogLine).filter(matches)),
        onGap: () => io.writeErr(`mpm-supervise: note: ${choice.path} rotated faster than it was read; some lines may be missing\n`),
      });
    } finally {
      own?.dispose();
    }
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    io.writeErr(`mpm-supervise: ${error.message}\n`);
    return error.exitCode;
  }
}
