import type { OutputLine } from '@mpm/child';

/** Node's own stderr lines when its inspector opens and ends: `Debugger listening on ws://127.0.0.1:43255/<uuid>`. */
const INSPECTOR_LINE = /^(Debugger (?:listening|ending) on ws:\/\/[^/\s]+\/)[A-Za-z0-9-]+$/;

/**
 * The child's line with its inspector's id left out. The id is the key to the inspector:
 * whoever has it (and reaches the port) can run code as the child, and logs travel
 * further than the machine. Node prints it when SIGUSR1 opens the inspector for a hang
 * report (docs/design.md §12), or when the child was started with --inspect; the port stays.
 * Every other line is returned as it is, after one `startsWith`.
 */
export function hideInspectorId(line: OutputLine): OutputLine {
  if (line.stream !== 'stderr' || !line.text.startsWith('Debugger ')) return line;
  const match = INSPECTOR_LINE.exec(line.text);
  return match === null ? line : { ...line, text: `${match[1]}<id hidden>` };
}
