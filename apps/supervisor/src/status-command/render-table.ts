import { visible } from '../visible-text.js';
import type { Paint } from './colour.js';
import type { RowView, Word } from './row-view.js';
import { renderTable, type ShrinkStep, type TableCell, type TableColumn, type TableRow } from './table.js';

/** `status` keeps its table readable in a 120-column terminal. */
export const TABLE_WIDTH = 120;

const COLUMNS: readonly TableColumn[] = [
  { heading: 'NAME' },
  { heading: 'PID' },
  { heading: 'CHILD' },
  { heading: 'STATE' },
  { heading: 'UPTIME' },
  // As `pm2 status` heads it: a word would take seven columns for a number.
  { heading: '↺' },
  { heading: 'HEALTH' },
  { heading: 'BREAKER' },
  { heading: 'LAST RECOVERY' },
];

const [NAME, HEALTH, LAST_RECOVERY] = [0, 6, 8];

/**
 * What gives way when a line is too long: the last recovery first (its short form keeps
 * action and age), then health down to what a worst metric needs, then long names, then
 * health again. The detail lines and --json have everything whole.
 */
const SHRINK: readonly ShrinkStep[] = [
  { column: LAST_RECOVERY, floor: 24 },
  { column: HEALTH, floor: 40 },
  { column: NAME, floor: 16 },
  { column: HEALTH, floor: 24 },
  { column: LAST_RECOVERY, floor: 16 },
];

/**
 * The table of every supervisor found, headings first; rows that could not be read carry a note across.
 * Every text is shown with its control characters as escapes (it comes from state files and
 * status servers, and some of it from the child), before widths are measured and colours added.
 */
export function renderStatusTable(views: readonly RowView[], paint: Paint, maxWidth: number = TABLE_WIDTH): string[] {
  const rows: TableRow[] = views.map((view) => {
    const cells: TableCell[] = [textCell(view.name), textCell(view.pid), textCell(view.childPid), wordCell(view.state), textCell(view.uptime), textCell(view.restarts)];
    if (view.detail.kind === 'note') return { cells, span: textCell(view.detail.note) };
    const { health, breaker, lastRecovery } = view.detail;
    return { cells: [...cells, wordCell(health), wordCell(breaker), { text: visible(lastRecovery.text), short: visible(lastRecovery.short) }] };
  });
  return renderTable(COLUMNS, rows, { maxWidth, shrink: SHRINK, paint });
}

function textCell(text: string): TableCell {
  return { text: visible(text) };
}

function wordCell(word: Word): TableCell {
  const shown = visible(word.word);
  return { text: shown + visible(word.tail), tone: word.tone, toneLength: [...shown].length };
}
