import { z } from 'zod';
import { leafRegistry, type LeafMeta } from './leaf.js';
import { configSchema, type Config } from './schema.js';

/** One config key: its dotted path, environment variable and metadata. */
export interface ConfigKey {
  readonly path: string;
  readonly segments: readonly string[];
  /** `MPM_` and the path in upper snake case: health.checkIntervalMs → MPM_HEALTH_CHECK_INTERVAL_MS. */
  readonly env: string;
  readonly meta: LeafMeta;
}

export function envNameOf(segments: readonly string[]): string {
  const snake = segments.map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase());
  return `MPM_${snake.join('_')}`;
}

function collect(schema: z.ZodType, segments: readonly string[], into: ConfigKey[]): void {
  const meta = leafRegistry.get(schema);
  if (meta !== undefined) {
    into.push(Object.freeze({ path: segments.join('.'), segments: Object.freeze([...segments]), env: envNameOf(segments), meta }));
    return;
  }
  if (schema instanceof z.ZodObject) {
    for (const [name, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) collect(child, [...segments, name], into);
    return;
  }
  throw new Error(`config schema: ${segments.join('.')} is neither a group nor a registered key`);
}

function allKeys(): readonly ConfigKey[] {
  const keys: ConfigKey[] = [];
  collect(configSchema, [], keys);
  return Object.freeze(keys);
}

/** Every key, in schema order. */
export const CONFIG_KEYS: readonly ConfigKey[] = allKeys();

const BY_PATH = new Map(CONFIG_KEYS.map((key) => [key.path, key]));
const BY_ENV = new Map(CONFIG_KEYS.map((key) => [key.env, key]));

/** Group paths ("health", "health.thresholds", …): valid in a file, not settable alone. */
export const GROUP_PATHS: ReadonlySet<string> = new Set(CONFIG_KEYS.flatMap((key) => key.segments.slice(0, -1).map((_, index) => key.segments.slice(0, index + 1).join('.'))));

export function keyByPath(path: string): ConfigKey | undefined {
  return BY_PATH.get(path);
}

export function keyByEnv(name: string): ConfigKey | undefined {
  return BY_ENV.get(name);
}

/** The key a validation issue at this path belongs to: `env.PORT` belongs to `env`. */
export function keyOfIssuePath(path: readonly PropertyKey[]): ConfigKey | undefined {
  for (let length = path.length; length > 0; length -= 1) {
    const key = BY_PATH.get(path.slice(0, length).map(String).join('.'));
    if (key !== undefined) return key;
  }
  return undefined;
}

/** Reads a key's value out of a nested object. */
export function valueAt(tree: unknown, segments: readonly string[]): unknown {
  let node = tree;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Builds the nested object from dotted paths. */
export function treeFrom(values: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of values) {
    const segments = path.split('.');
    let node = root;
    for (const segment of segments.slice(0, -1)) {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    }
    node[segments.at(-1) as string] = value;
  }
  return root;
}

/** Every key at its default, as a nested object (what config/default.json shows). */
export function defaultTree(): Record<string, unknown> {
  return treeFrom(new Map(CONFIG_KEYS.map((key) => [key.path, structuredClone(key.meta.default)])));
}

/** The defaults, validated: proof that the schema accepts its own defaults. */
export function defaultConfig(): Config {
  return deepFreeze(configSchema.parse(defaultTree()));
}

/** Freezes an object and everything in it: a config nobody can change behind the reloader's back. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
