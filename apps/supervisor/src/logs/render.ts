import { prettyLine } from '../logging/formats.js';
import { MESSAGE } from '../logging/record.js';
import { visible } from '../visible-text.js';
import type { LogLine } from './log-line.js';

export interface RenderOptions {
  /** The lines exactly as they are in the file. */
  readonly json: boolean;
  /** Coloured levels (stdout is a terminal). */
  readonly colors: boolean;
}

/**
 * Turns a log line into the text printed for it (no newline): the supervisor's own pretty
 * format for a record, the line as it is for `--json`, and for anything that is not a
 * record the line with its control characters shown as escapes (the pretty format does
 * the same for records): what a child wrote must not drive the reader's terminal.
 */
export function lineRenderer(options: RenderOptions): (line: LogLine) => string {
  if (options.json) return (line) => line.text;
  const formats = options.colors ? [prettyLine(true), prettyLine(false)] : [prettyLine(false)];
  return (line) => {
    if (line.record === undefined) return visible(line.text);
    for (const format of formats) {
      try {
        // The format writes into the object it is given: hand it a copy.
        const info = format.transform({ ...line.record }, {});
        if (typeof info === 'object') return String((info as Record<symbol, unknown>)[MESSAGE]);
      } catch {
        // A level winston has no colour for: try without colours, then print the line as it is.
      }
    }
    return visible(line.text);
  };
}
