import { lstatSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why a state folder is not used. The fallback `/tmp/mpm-supervise-<uid>` sits in a folder
 * every user may write: anyone can make it first, as a symlink or as a folder of their own,
 * and plant files in it for root to write through or to read as if a supervisor wrote them.
 */
export type StateDirProblem = 'symlink' | 'not_a_folder' | 'not_owned' | 'writable_by_others';

export type StateDirCheck =
  { readonly kind: 'safe'; readonly owner: number } | { readonly kind: 'missing' } | { readonly kind: 'unsafe'; readonly reason: StateDirProblem; readonly owner: number; readonly mode: number };

/**
 * Who may own a state folder: the supervisor writes only into a folder of its own user
 * (`writer`); `status` and `logs` also read one of root's, or one made in a folder only
 * root may write (systemd's RuntimeDirectory= for a unit's User=), whose files they then
 * check one by one (`reader`).
 */
export type StateDirUse = 'writer' | 'reader';

/** Looks at `dir` itself (a symlink is not followed) and says whether `uid` may use it. */
export function checkStateDir(dir: string, uid: number, use: StateDirUse): StateDirCheck {
  const stats = lstatOrUndefined(dir);
  if (stats === undefined) return { kind: 'missing' };
  const found = { owner: stats.uid, mode: stats.mode & 0o7777 };
  if (stats.isSymbolicLink()) return { kind: 'unsafe', reason: 'symlink', ...found };
  if (!stats.isDirectory()) return { kind: 'unsafe', reason: 'not_a_folder', ...found };
  if ((stats.mode & 0o022) !== 0) return { kind: 'unsafe', reason: 'writable_by_others', ...found };
  const trusted = stats.uid === uid || (use === 'reader' && (stats.uid === 0 || onlyRootMayWrite(dirname(dir))));
  return trusted ? { kind: 'safe', owner: stats.uid } : { kind: 'unsafe', reason: 'not_owned', ...found };
}

/** `is a symlink`, `belongs to uid 65534, not to uid 0 who runs this supervisor`: the end of a sentence that names the folder. */
export function describeStateDirProblem(check: Extract<StateDirCheck, { kind: 'unsafe' }>, uid: number, use: StateDirUse): string {
  switch (check.reason) {
    case 'symlink':
      return 'is a symlink (a state folder must be a real folder)';
    case 'not_a_folder':
      return 'is not a folder';
    case 'writable_by_others':
      return `can be written by other users (mode ${check.mode.toString(8).padStart(4, '0')})`;
    case 'not_owned':
      return use === 'writer' ? `belongs to uid ${check.owner}, not to uid ${uid} who runs this supervisor` : `belongs to uid ${check.owner}, not to you (uid ${uid}) nor to root`;
  }
}

/** A folder that root made or handed out: owned by root and writable by no one else. */
function onlyRootMayWrite(dir: string): boolean {
  const stats = lstatOrUndefined(dir);
  return stats !== undefined && stats.isDirectory() && stats.uid === 0 && (stats.mode & 0o022) === 0;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
