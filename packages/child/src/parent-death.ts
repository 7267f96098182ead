import { isRunnableFile } from './command/find-program.js';

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
    const path = process.platform === 'linux' ? SETPRIV_PATHS.find(isRunnableFile) : undefined;
    found = path === undefined ? null : { path, wrap: (command, args) => ({ command: path, args: ['--pdeathsig', 'SIGKILL', '--', command, ...args] }) };
  }
  return found ?? undefined;
}
