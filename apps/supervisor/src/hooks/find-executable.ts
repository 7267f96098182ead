import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export type Lookup = { readonly found: true; readonly file: string } | { readonly found: false; readonly why: string };

/**
 * Where a hook's program is, found as execvp would and without a shell: a name with a
 * slash is a path (a relative one taken from `base`), a bare name is looked up on PATH.
 * Empty PATH entries (the current folder) are skipped: a hook must not run whatever
 * happens to lie in the supervisor's working directory.
 */
export function findExecutable(program: string, options: { readonly base: string; readonly path: string | undefined }): Lookup {
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(options.base, program);
    const problem = problemWith(file);
    return problem === undefined ? { found: true, file } : { found: false, why: `${file} ${problem}` };
  }
  const folders = (options.path ?? '').split(delimiter).filter((folder) => folder !== '' && isAbsolute(folder));
  for (const folder of folders) {
    const file = join(folder, program);
    if (problemWith(file) === undefined) return { found: true, file };
  }
  return { found: false, why: `"${program}" is not found on PATH${folders.length === 0 ? ' (PATH names no absolute folder)' : ''}` };
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
