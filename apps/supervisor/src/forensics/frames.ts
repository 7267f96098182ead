import type { StackFrame } from '@mpm/recovery';
import { visible } from '../visible-text.js';
import { ForensicsError } from './cdp-session.js';

/** Frames a hang report keeps: the innermost, where the loop is stuck, and who called it. */
export const MAX_FRAMES = 8;
const MAX_NAME = 200;
const MAX_URL = 400;

/**
 * The frames of a `Debugger.paused` event, innermost first, at most `max`. V8 gives each
 * frame a scriptId and 0-based line and column; the script's URL comes from the
 * `Debugger.scriptParsed` events (`scripts`), as the frame's own `url` is empty in Node
 * 20. Names and URLs come from the child: control characters are written out as escapes
 * and lengths capped, so that a report can be printed as it is.
 */
export function framesOf(params: unknown, scripts: ReadonlyMap<string, string>, max: number = MAX_FRAMES): { frames: StackFrame[]; depth: number } {
  const callFrames = params !== null && typeof params === 'object' ? (params as Record<string, unknown>)['callFrames'] : undefined;
  if (!Array.isArray(callFrames) || callFrames.length === 0) throw new ForensicsError('the inspector paused with no call frames');
  const frames: StackFrame[] = [];
  for (const entry of callFrames.slice(0, max)) {
    const frame = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>) : {};
    const location = frame['location'] !== null && typeof frame['location'] === 'object' ? (frame['location'] as Record<string, unknown>) : {};
    const line = location['lineNumber'];
    const column = location['columnNumber'];
    if (typeof line !== 'number' || !Number.isInteger(line) || line < 0) throw new ForensicsError('the inspector paused with a call frame that has no line');
    const scriptId = typeof location['scriptId'] === 'string' ? location['scriptId'] : '';
    const ownUrl = typeof frame['url'] === 'string' ? frame['url'] : '';
    frames.push({
      functionName: clean(typeof frame['functionName'] === 'string' ? frame['functionName'] : '', MAX_NAME),
      url: clean(scripts.get(scriptId) || ownUrl, MAX_URL),
      line: line + 1,
      column: typeof column === 'number' && Number.isInteger(column) && column >= 0 ? column + 1 : 1,
    });
  }
  return { frames, depth: callFrames.length };
}

/** Child text made safe to print: controls as escapes, at most `max` characters (an ellipsis marks a cut). */
export function clean(text: string, max: number): string {
  const shown = visible(text);
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
