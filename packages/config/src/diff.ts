import { isDeepStrictEqual } from 'node:util';
import type { Applies } from './leaf.js';
import { CONFIG_KEYS, valueAt } from './keys.js';
import { redactValue } from './redact.js';
import type { Config } from './schema.js';

/** One key that a reload changed; `from` and `to` are safe to log (secrets hidden). */
export interface KeyChange {
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly applies: Applies;
}

/** The keys whose values differ, in schema order. */
export function diffConfigs(previous: Config, next: Config): KeyChange[] {
  const changes: KeyChange[] = [];
  for (const key of CONFIG_KEYS) {
    const before = valueAt(previous, key.segments);
    const after = valueAt(next, key.segments);
    if (isDeepStrictEqual(before, after)) continue;
    changes.push({ key: key.path, from: redactValue(key.path, before), to: redactValue(key.path, after), applies: key.meta.applies });
  }
  return changes;
}
