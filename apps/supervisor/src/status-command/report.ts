import type { ExitCode } from '../exit-codes.js';
import type { Lookup } from '../state/lookup.js';
import { visible } from '../visible-text.js';
import type { Paint } from './colour.js';
import { jsonOf } from './json-output.js';
import { renderDetails } from './render-details.js';
import { renderStatusTable, TABLE_WIDTH } from './render-table.js';
import { viewOf } from './row-view.js';
import { exitCodeOf, type StatusRow } from './status-row.js';

/** What `status` prints and how it exits, decided from the rows alone (no I/O here). */
export interface StatusReport {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: ExitCode;
}

export interface ReportOptions {
  readonly json: boolean;
  readonly paint: Paint;
  /** Epoch ms that ages ("12s ago") are measured from. */
  readonly now: number;
  /** The table's width budget; TABLE_WIDTH unless said. */
  readonly width?: number;
}

export function statusReport(rows: readonly StatusRow[], lookup: Pick<Lookup, 'name' | 'dirs'>, { json, paint, now, width = TABLE_WIDTH }: ReportOptions): StatusReport {
  const exitCode = exitCodeOf(rows);
  const alive = rows.filter((row) => row.kind !== 'gone');
  const noneRunning = alive.length === 0 ? `${notRunningMessage(lookup)}\n` : '';
  if (json) {
    // stdout stays JSON a program can parse, even when empty; the sentence goes to stderr.
    return {
      stdout: `${JSON.stringify(
        rows.map((row) => jsonOf(row, now)),
        null,
        2,
      )}\n`,
      stderr: noneRunning,
      exitCode,
    };
  }
  if (alive.length === 0) {
    // No table for nothing: one line per stale file removed, then the answer.
    const gone = rows.map((row) => {
      const view = viewOf(row, now);
      return `${visible(view.name)}  ${paint('gone', 'bad')} (${view.detail.kind === 'note' ? visible(view.detail.note) : ''})\n`;
    });
    return { stdout: gone.join('') + noneRunning, stderr: '', exitCode };
  }
  const lines = renderStatusTable(
    rows.map((row) => viewOf(row, now)),
    paint,
    width,
  );
  if (alive.length === 1) lines.push('', ...renderDetails(alive[0]!, now));
  return { stdout: lines.map((line) => `${line}\n`).join(''), stderr: '', exitCode };
}

/** `no supervisor named chat is running (looked in /run/user/1000/mpm-supervise, /run/mpm-supervise)` */
export function notRunningMessage({ name, dirs }: Pick<Lookup, 'name' | 'dirs'>): string {
  const who = name === null ? 'no supervisor is running' : `no supervisor named ${name} is running`;
  return `${who} (looked in ${dirs.join(', ')})`;
}
