export { OutputTail } from '@mpm/child';

/** How much of each stream an exec check keeps: its end, where the number and the reason are. */
export const KEPT_OUTPUT_BYTES = 4096;
/** The longest reason line a message quotes. */
const MAX_REASON_CHARS = 200;

/** The last line with anything on it, or undefined. */
export function lastLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .findLast((line) => line !== '');
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * The value an exec check reports: its stdout's last non-empty line when that line is a
 * number and nothing else (`42`, `-3.5`, `1e3`); undefined otherwise.
 */
export function numberFromOutput(stdout: string): number | undefined {
  const line = lastLine(stdout);
  if (line === undefined || !NUMBER.test(line)) return undefined;
  const value = Number(line);
  return Number.isFinite(value) ? value : undefined;
}

/** The last line of a command's output as a message may quote it (see oneLine). */
export function reasonLine(text: string): string | undefined {
  const line = lastLine(text);
  return line === undefined ? undefined : oneLine(line);
}

/**
 * Text from outside (a command, a module) as a log message may quote it: escape sequences
 * and control characters out, line breaks and runs of spaces as one space, at most
 * MAX_REASON_CHARS characters; undefined when nothing is left.
 */
export function oneLine(text: string): string | undefined {
  const clean = text
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean === '') return undefined;
  return clean.length <= MAX_REASON_CHARS ? clean : `${clean.slice(0, MAX_REASON_CHARS - 1)}…`;
}
