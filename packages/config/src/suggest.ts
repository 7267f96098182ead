import { closest, distance } from 'fastest-levenshtein';

/**
 * The known name an unknown one most likely meant: same last part first
 * (`checkIntervalMs` → `health.checkIntervalMs`), else the closest by edit distance when
 * it is close enough to be a typo.
 */
export function suggestName(unknown: string, known: readonly string[], separator = '.'): string | undefined {
  const last = unknown.split(separator).at(-1)?.toLowerCase();
  const sameLeaf = known.filter((name) => name.split(separator).at(-1)?.toLowerCase() === last);
  if (sameLeaf.length > 0) return closest(unknown, sameLeaf);
  if (known.length === 0) return undefined;
  const best = closest(unknown, [...known]);
  return distance(unknown.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}
