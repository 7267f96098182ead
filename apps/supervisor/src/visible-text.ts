/**
 * The characters a terminal obeys rather than shows: the C0 controls but tab (ESC starts
 * escape sequences, CR and BS move the cursor back over a line, BEL rings), DEL, the C1
 * controls (U+009B is a one-character CSI to many terminals), and the bidi controls
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) that reorder what is read.
 */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/**
 * Text for a person's terminal: every control character written out as an escape
 * (`\x1b`, `\r`, `\n`, `\x07`, `\u009b`, `\u202e`), so that text from a child (or from
 * a file, or another process's answer) cannot clear the screen, set the window title,
 * fake a line or hide one. Tab stays a tab. Text without controls, nearly all of it, is
 * returned as it is after one regex test: this runs for every pretty line.
 * Only for people: JSON for machines keeps the text exact.
 */
export function visible(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, escaped) : text;
}

function escaped(char: string): string {
  if (char === '\r') return '\\r';
  if (char === '\n') return '\\n';
  const code = char.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
