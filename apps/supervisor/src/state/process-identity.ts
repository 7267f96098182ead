import { readFileSync, readlinkSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';

/** What /proc says a process is: whose it is and what it runs. */
export interface ProcessIdentity {
  /** The effective uid: the one its files are written as. */
  readonly uid: number;
  readonly commandLine: readonly string[];
  /** Its working folder, to resolve a relative script path; null when /proc does not say. */
  readonly cwd: string | null;
}

/** Reads /proc/<pid>; undefined when the process is gone or /proc does not show it. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // Uid:	real	effective	saved	filesystem
    const uid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1]);
    if (!Number.isInteger(uid)) return undefined;
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (commandLine.at(-1) === '') commandLine.pop();
    return { uid, commandLine, cwd: readlinkOrNull(`/proc/${pid}/cwd`) };
  } catch {
    return undefined;
  }
}

/** Whether this system has Linux's /proc, which the checks of a state file's process need. */
export function hasProcfs(): boolean {
  try {
    readFileSync('/proc/self/status', 'utf8');
    return true;
  } catch {
    return false;
  }
}

/** Node options that take their value as the next argument: the script comes after it. */
const NODE_OPTIONS_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--title', '--env-file', '--input-type', '--stack-size']);

/** The names the supervisor's entry has: the one-file build, its npm bin, and the built CLI of the package. */
const ENTRY_NAMES = new Set(['mpm-supervise', 'mpm-supervise.mjs', 'mpm-supervise.js']);
const BUILT_CLI = /\/(supervisor|mpm-supervise)\/dist\/cli\.js$/;

/**
 * Whether a command line is node running mpm-supervise: `node …/mpm-supervise.mjs`,
 * `node …/node_modules/.bin/mpm-supervise` (npm's bin is a symlink run by its shebang),
 * `node …/apps/supervisor/dist/cli.js`, with node options before the script. A sanity
 * check against a pid that is some other program (pid 1, a reused pid); it proves
 * nothing about a process whose owner names it so on purpose.
 */
export function isSupervisorCommand(commandLine: readonly string[], cwd: string | null): boolean {
  const [program, ...args] = commandLine;
  if (program === undefined || !/^node(js)?[\d.]*$/.test(basename(program))) return false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--' || arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') return false;
    if (arg.startsWith('-')) {
      if (NODE_OPTIONS_WITH_VALUE.has(arg)) i += 1;
      continue;
    }
    const script = isAbsolute(arg) || cwd === null ? arg : resolve(cwd, arg);
    return ENTRY_NAMES.has(basename(script)) || BUILT_CLI.test(script);
  }
  return false;
}

/** `node /srv/x.js --port 3000`, cut and with control characters escaped: a command line shown in one line of a message. */
export function commandText(commandLine: readonly string[], max = 120): string {
  const text = printable(commandLine.join(' '));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Escapes control characters: text from a file or /proc must not drive the terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
