import type { ExitCode } from '../exit-codes.js';
import type { LookupRequest } from '../program.js';
import { ignoredLine, resolveLookup } from '../state/lookup.js';
import { collectRows } from '../status-command/collect-rows.js';
import { paintFor } from '../status-command/colour.js';
import { statusReport } from '../status-command/report.js';
import type { CommandIO } from './io.js';

/**
 * `mpm-supervise status`: finds the supervisors through their state files, removes the
 * stale ones, asks each running one's status server for /diagnostics, and prints a table
 * (or `--json`). A state file that cannot be believed (another user's, naming a process
 * that is no supervisor, or a port its supervisor does not hold) is skipped with one line
 * on stderr. Exit 0 when one runs, 3 when none does, 1 when none could be read.
 * A config file that cannot be used throws a ConfigError (exit 78).
 */
export async function runStatus(request: LookupRequest, json: boolean, io: CommandIO): Promise<ExitCode> {
  const lookup = resolveLookup(request, io.env, io.cwd);
  const { rows, ignored } = await collectRows(lookup);
  // State files that are not believed: one line each, before the answer.
  for (const entry of ignored) io.writeErr(`mpm-supervise: ${ignoredLine(entry)}\n`);
  const report = statusReport(rows, lookup, { json, paint: paintFor(io.stdoutIsTTY, io.env), now: Date.now() });
  if (report.stdout !== '') io.writeOut(report.stdout);
  if (report.stderr !== '') io.writeErr(`mpm-supervise: ${report.stderr}`);
  return report.exitCode;
}
