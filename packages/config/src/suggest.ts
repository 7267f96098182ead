import { closest, distance } from 'fastest-levenshtein';

/** No key is this long, so a typo of one is not either. */
const MAX_TYPO_LENGTH = 80;

/** The last part of each known name, lower case, worked out once per list. */
const leavesOf = new WeakMap<readonly string[], ReadonlyMap<string, readonly string[]>>();

function leaves(known: readonly string[], separator: string): ReadonlyMap<string, readonly string[]> {
  let byLeaf = leavesOf.get(known);
  if (byLeaf === undefined) {
    const map = new Map<string, string[]>();
    for (const name of known) {
      const leaf = name.split(separator).at(-1)?.toLowerCase() ?? '';
      map.set(leaf, [...(map.get(leaf) ?? []), name]);
    }
    byLeaf = map;
    leavesOf.set(known, byLeaf);
  }
  return byLeaf;
}

/**
 * The known name an unknown one most likely meant: same last part first
 * (`checkIntervalMs` → `health.checkIntervalMs`), else the closest by edit distance when
 * it is close enough to be a typo.
 */
export function suggestName(unknown: string, known: readonly string[], separator = '.'): string | undefined {
  if (unknown.length > MAX_TYPO_LENGTH || known.length === 0) return undefined;
  const sameLeaf = leaves(known, separator).get(unknown.split(separator).at(-1)?.toLowerCase() ?? '');
  if (sameLeaf !== undefined) return closest(unknown, [...sameLeaf]);
  const best = closest(unknown, [...known]);
  return distance(unknown.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}
