import { DEFAULT_MAX_LINE_BYTES } from './line-splitter.js';

/** What to run. */
export interface ChildSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to (and overriding) the supervisor's own environment. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Variables of the supervisor's own environment whose names start with this are not
   * passed on (the supervisor's `MPM_*` settings, among them its HTTP token).
   */
  readonly hideEnvPrefix?: string;
  /** Open a Node IPC channel: 'auto' does so when the command is a Node program. */
  readonly ipc: boolean | 'auto';
  /**
   * Node options put in front of the child's NODE_OPTIONS (the spec's or the inherited
   * one): defaults, since Node lets a later option override an earlier one, so that the
   * user's own NODE_OPTIONS and command line still win. Ignored by anything but Node.
   */
  readonly nodeOptions?: readonly string[];
}

/**
 * How to run it; the names follow the `child.*` config keys of docs/design.md §5. The restart
 * delays (`child.restartDelayMs` and the like) are not here: the controller respawns only
 * when told to, and the recovery package decides when.
 */
export interface ChildSettings {
  readonly stopSignal: NodeJS.Signals;
  readonly killTimeoutMs: number;
  readonly maxLineBytes: number;
}

export const DEFAULT_CHILD_SETTINGS: ChildSettings = Object.freeze({
  stopSignal: 'SIGTERM',
  killTimeoutMs: 5000,
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
});

const NODE_NAMES = /^(node|nodejs)(\d+(\.\d+)*)?(\.exe)?$/i;

/** True when the command runs Node, so that an IPC channel can be offered to an agent. */
export function isNodeCommand(command: string): boolean {
  if (command === process.execPath) return true;
  const base = command.split(/[\\/]/).pop() ?? command;
  return NODE_NAMES.test(base);
}
