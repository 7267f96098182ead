import { statSync } from 'node:fs';
import { commandWouldStart } from '@mpm/child';
import { readConfigText, type Config, type CustomCheck } from '@mpm/config';

/** Where a check's command would run, and the PATH it would be looked for on: the child's. */
export interface CommandPlace {
  readonly cwd: string;
  readonly path: string | undefined;
}

/** The child's folder and PATH as the config gives them (exec checks run as the child does). */
export function commandPlaceOf(config: Config, processCwd: string, processEnv: NodeJS.ProcessEnv): CommandPlace {
  return { cwd: config.cwd ?? processCwd, path: config.env['PATH'] ?? processEnv['PATH'] };
}

/**
 * What would keep a check from running at all, found without running anything: an exec
 * check's program that is not there (or not executable), a module or CA file that cannot
 * be read. Undefined when nothing is wrong. Checked at start (exit 78), by `config
 * validate` and on a reload (refused), so that a typo is told at once, not as an
 * `unknown` check later.
 */
export function problemOf(check: CustomCheck, place: CommandPlace): string | undefined {
  switch (check.type) {
    case 'exec': {
      const program = check.command[0] as string;
      if (commandWouldStart(program, place.cwd, place.path)) return undefined;
      return program.includes('/')
        ? `command ${JSON.stringify(program)} is not an executable file (relative paths start in ${place.cwd}, the child's folder)`
        : `command ${JSON.stringify(program)} was not found on PATH`;
    }
    case 'module':
      return unreadable(check.module, 'module');
    case 'http':
      return check.ca === undefined ? undefined : caProblem(check.ca);
    default:
      return undefined;
  }
}

function unreadable(file: string, what: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return `${what} ${file} is not a file`;
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${what} ${file} cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`;
  }
}

function caProblem(file: string): string | undefined {
  const read = readConfigText(file, 'ca');
  if (!read.ok) return `ca: ${read.finding.message}`;
  return read.text.includes('-----BEGIN CERTIFICATE-----') ? undefined : `ca ${file} holds no PEM certificate`;
}
