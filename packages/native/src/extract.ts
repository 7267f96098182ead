import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes an embedded module to a file that dlopen can load: a folder of this user's in
 * the temp dir, named by the module's hash so that versions never mix. The folder must
 * be ours and closed to others, and the file's bytes are checked before each load: a
 * module planted by someone else would run as the supervisor.
 */
export function extractModule(bytes: Uint8Array, baseDir: string = tmpdir()): string {
  const hash = createHash('sha256').update(bytes).digest('hex');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = join(baseDir, `mpm-supervise-native-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a folder of this user's closed to others; remove it`);
  }
  const path = join(dir, `mpm_native-${hash.slice(0, 16)}.node`);
  if (hashOf(path) === hash) return path;
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, bytes, { mode: 0o700 });
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
  if (hashOf(path) !== hash) throw new Error(`${path} changed while it was written`);
  return path;
}

function hashOf(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}
