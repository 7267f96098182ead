import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export type ProgramLookup = { readonly found: true; readonly file: string } | { readonly found: false; readonly why: string };

/**
 * Where a program is, found as execvp would and without a shell: a name with a slash is
 * a path (a relative one taken from `cwd`), a bare name is looked up on PATH. Empty and
 * relative PATH entries are skipped: they name the working directory (or a folder under
 * it), a classic way to have a planted file run in place of the program meant. The child,
 * hook commands and exec checks are all looked up this way; `why` says what went wrong.
 */
export function findProgram(program: string, where: { readonly cwd: string; readonly path: string | undefined }): ProgramLookup {
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(where.cwd, program);
    const problem = problemWith(file);
    return problem === undefined ? { found: true, file } : { found: false, why: `${file} ${problem}` };
  }
  const folders = (where.path ?? '').split(delimiter).filter((folder) => folder !== '' && isAbsolute(folder));
  for (const folder of folders) {
    const file = join(folder, program);
    if (problemWith(file) === undefined) return { found: true, file };
  }
  return { found: false, why: `"${program}" is not found on PATH${folders.length === 0 ? ' (PATH names no absolute folder)' : ''}` };
}

/**
 * Whether `command` would start from `cwd` with this PATH (findProgram's rule, in a folder
 * that exists). Only then does it go behind the parent-death wrapper: a command that is
 * missing or not executable is spawned as it is, so that the failure is reported as the
 * spawn's own (not found, not executable, no such folder) rather than as setpriv's exit
 * code 127.
 */
export function commandWouldStart(command: string, cwd: string, path: string | undefined): boolean {
  return isDirectory(cwd) && findProgram(command, { cwd, path }).found;
}

/** Whether `file` is a file this process may run. */
export function isRunnableFile(file: string): boolean {
  return problemWith(file) === undefined;
}

/** Why a file cannot be run, or undefined when it can. */
function problemWith(file: string): string | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    return 'does not exist';
  }
  if (!isFile) return 'is not a file';
  try {
    accessSync(file, constants.X_OK);
    return undefined;
  } catch {
    return 'is not executable';
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
