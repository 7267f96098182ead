import type { Tone } from './row-view.js';
import type { Paint } from './colour.js';

export interface TableColumn {
  readonly heading: string;
}

/** One step of fitting a table into its width: cut this column, but not below `floor` characters. */
export interface ShrinkStep {
  readonly column: number;
  readonly floor: number;
}

/** A cell; its first `toneLength` characters (the status word) may be coloured. */
export interface TableCell {
  readonly text: string;
  /** A shorter way to say the same, used when the column is cut below `text`. */
  readonly short?: string;
  readonly tone?: Tone;
  readonly toneLength?: number;
}

/**
 * A row of cells, one per column from the left; `span`, when given, fills the rest of
 * the line after them, whatever the widths of the columns it covers, and is never cut.
 */
export interface TableRow {
  readonly cells: readonly TableCell[];
  readonly span?: TableCell;
}

export interface TableLayout {
  readonly maxWidth: number;
  /** The order in which columns give up width when the line is too long. */
  readonly shrink: readonly ShrinkStep[];
  readonly paint: Paint;
}

const GAP = '  ';
const ELLIPSIS = '…';

/**
 * Aligned columns, headings first, each line at most `maxWidth` characters where the
 * shrink steps allow it. Widths are measured before colouring, so escape codes never
 * move a column.
 */
export function renderTable(columns: readonly TableColumn[], rows: readonly TableRow[], layout: TableLayout): string[] {
  const widths = fitWidths(columns, rows, layout);
  const lines = [
    columns
      .map((column, index) => pad(column.heading, widths[index]!))
      .join(GAP)
      .trimEnd(),
  ];
  for (const row of rows) {
    const parts = row.cells.map((cell, index) => {
      const width = widths[index]!;
      const text = fit(cell, width);
      return paintCell({ ...cell, text }, layout.paint) + ' '.repeat(Math.max(0, width - length(text)));
    });
    if (row.span !== undefined) parts.push(paintCell(row.span, layout.paint));
    lines.push(parts.join(GAP).trimEnd());
  }
  return lines;
}

function fitWidths(columns: readonly TableColumn[], rows: readonly TableRow[], { maxWidth, shrink }: TableLayout): number[] {
  const widths = columns.map((column, index) => Math.max(length(column.heading), ...rows.map((row) => (row.cells[index] === undefined ? 0 : length(row.cells[index]!.text)))));
  let excess = widths.reduce((sum, width) => sum + width, 0) + GAP.length * (columns.length - 1) - maxWidth;
  for (const { column, floor } of shrink) {
    if (excess <= 0) break;
    const current = widths[column]!;
    const target = Math.max(current - excess, floor, length(columns[column]!.heading));
    if (target >= current) continue;
    widths[column] = target;
    excess -= current - target;
  }
  return widths;
}

/** The cell's text, its short form, or the text cut at a word with `…`, whichever fits first. */
function fit(cell: TableCell, width: number): string {
  if (length(cell.text) <= width) return cell.text;
  if (cell.short !== undefined && length(cell.short) <= width) return cell.short;
  return cut(cell.short ?? cell.text, width);
}

function paintCell(cell: TableCell, paint: Paint): string {
  if (cell.tone === undefined) return cell.text;
  const chars = [...cell.text];
  const split = Math.min(cell.toneLength ?? chars.length, chars.length);
  return paint(chars.slice(0, split).join(''), cell.tone) + chars.slice(split).join('');
}

/** Characters as a terminal counts them, for the text we show (no wide or combining ones). */
function length(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - length(text)));
}

/**
 * Cut to `width` with `…`, at a space when one is in the second half: a number cut in
 * the middle (`≥ 100…` for `≥ 1000`) would mislead.
 */
function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const room = Math.max(0, width - 1);
  const kept = chars.slice(0, room).join('');
  const space = kept.lastIndexOf(' ');
  const atWord = space >= room / 2 ? kept.slice(0, space).trimEnd() : kept;
  return atWord + ELLIPSIS;
}
