import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * util-linux `setpriv`, looked for in the system folders only: a PATH entry that another
 * user can write must not choose what runs in front of every child.
 */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

/** Runs a command with PR_SET_PDEATHSIG set, so that it is killed when the supervisor dies. */
export interface ParentDeathWrapper {
  /** The setpriv binary. */
  readonly path: string;
  /** The command line to spawn instead of `command args` (setpriv execs the command: same pid). */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
}

let found: ParentDeathWrapper | null | undefined;

/**
 * The wrapper, or undefined where there is none (not Linux, no util-linux). Found once.
 * SIGKILL, not SIGTERM: a supervisor that was killed can no longer wait for a graceful
 * stop, and a child that ignores SIGTERM would keep the port from the next supervisor.
 */
export function parentDeathWrapper(): ParentDeathWrapper | undefined {
  if (found === undefined) {
    const path = process.platform === 'linux' ? SETPRIV_PATHS.find(isExecutableFile) : undefined;
    found =
      path === undefined
        ? null
        : { path, wrap: (command, args) => ({ command: path, args: ['--pdeathsig', 'SIGKILL', '--', command, ...args] }) };
  }
  return found ?? undefined;
}

/**
 * Whether `command` would start from `cwd` with this PATH, the way execvp finds it. Only
 * then does it go behind the wrapper: a command that is missing or not executable is
 * spawned as it is, so that the failure is reported as the spawn's own (not found, not
 * executable, no such folder) rather than as setpriv's exit code 127.
 */
export function commandWouldStart(command: string, cwd: string, path: string | undefined): boolean {
  if (!isDirectory(cwd)) return false;
  if (command.includes('/')) return isExecutableFile(isAbsolute(command) ? command : resolve(cwd, command));
  return (path ?? '').split(delimiter).some((folder) => isExecutableFile(join(folder === '' ? cwd : resolve(cwd, folder), command)));
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
