import type { Tone } from './row-view.js';

/** Paints a word for a terminal; the identity for a pipe. */
export type Paint = (text: string, tone: Tone) => string;

const CODES: Readonly<Record<Tone, string>> = { good: '32', warn: '33', bad: '31', muted: '2' };

export const noColour: Paint = (text) => text;

export const ansiColour: Paint = (text, tone) => (text === '' ? text : `\u001b[${CODES[tone]}m${text}\u001b[0m`);

/**
 * Colour only for a person at a terminal: never in a pipe or a file, where escape codes
 * are noise, nor when NO_COLOR is set (https://no-color.org).
 */
export function paintFor(stdoutIsTTY: boolean, env: NodeJS.ProcessEnv): Paint {
  const noColourAsked = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return stdoutIsTTY && !noColourAsked ? ansiColour : noColour;
}
