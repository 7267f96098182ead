import { closeLog, openLog, rotatedPath, sameFile, sizeOf, type OpenLog } from './log-files.js';

/** rotating-file.ts keeps at most 100 files (log.maxFiles); this bounds the walk. */
const MAX_ROTATED = 100;

export interface Successors {
  /** The files written after `known`, oldest first, open. */
  readonly files: readonly OpenLog[];
  /**
   * `known` was rotated out of the kept files before we saw where it went: a file written
   * between it and the ones still kept may have been deleted unread.
   */
  readonly gap: boolean;
}

/**
 * The files the log at `path` has had since `known`, the last file read. Rotation renames
 * `path` to `path.1` and each `path.N` to `path.N+1`, so `known` now sits at some `path.J`
 * and `path.J-1` … `path.1`, `path` came after it, in that order. Usually J is 1; a fast
 * writer may rotate more than once between two polls.
 *
 * Every file is opened before it is looked at, so that one renamed again mid-walk is still
 * the same file: at worst it is met twice, and only its first (oldest) place is kept.
 */
export function findSuccessors(path: string, known: OpenLog, owner?: number): Successors {
  const latest = openLog(path, owner);
  if (latest === undefined) return { files: [], gap: false };
  if (sameFile(latest, known)) {
    closeLog(latest);
    return { files: [], gap: false };
  }
  const between: OpenLog[] = [];
  let found: boolean;
  try {
    found = walk(path, known, between, owner);
  } catch (error) {
    for (const file of [latest, ...between]) closeLog(file);
    throw error;
  }
  if (!found) return notFoundIn(between, latest, known);
  return { files: distinct([...between.reverse(), latest]), gap: false };
}

/**
 * `known` is not among the rotated files. Either it was deleted or moved by hand and
 * `path` made anew: the rotated files are older than it and nothing is missed. Or a fast
 * writer rotated it past the last kept file before we looked: the rotated files still
 * there were all written after it and are read, oldest first, but one before them may be
 * gone. Which it was shows in when each was last written.
 */
function notFoundIn(between: readonly OpenLog[], latest: OpenLog, known: OpenLog): Successors {
  const knownState = sizeOf(known);
  const newer = knownState.linked ? [] : between.filter((file) => sizeOf(file).modifiedMs >= knownState.modifiedMs);
  for (const file of between) if (!newer.includes(file)) closeLog(file);
  return { files: distinct([...newer.reverse(), latest]), gap: newer.length > 0 };
}

/** Opens `path.1`, `path.2` … into `between` until `known` turns up (true) or the files end (false). */
function walk(path: string, known: OpenLog, between: OpenLog[], owner: number | undefined): boolean {
  for (let index = 1; index <= MAX_ROTATED; index += 1) {
    const rotated = openLog(rotatedPath(path, index), owner);
    if (rotated === undefined) {
      // `.1` is missing for a moment mid-rotation (`.1` → `.2` is done, `path` → `.1` not yet).
      if (index === 1) continue;
      return false;
    }
    if (sameFile(rotated, known)) {
      closeLog(rotated);
      return true;
    }
    between.push(rotated);
  }
  return false;
}

/** Keeps the first of each file met more than once, closing the others. */
function distinct(files: readonly OpenLog[]): OpenLog[] {
  const kept: OpenLog[] = [];
  for (const file of files) {
    if (kept.some((other) => sameFile(other, file))) closeLog(file);
    else kept.push(file);
  }
  return kept;
}
