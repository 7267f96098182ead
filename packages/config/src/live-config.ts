import { diffConfigs, type KeyChange } from './diff.js';
import { loadFailed, type Finding } from './findings.js';
import type { LoadedConfig, LoadOutcome } from './load.js';
import type { Config } from './schema.js';

/** What a subscriber hears after a reload that changed something. */
export interface ConfigChange {
  readonly previous: Config;
  readonly next: Config;
  readonly changes: readonly KeyChange[];
  /** True when a key at or under this path changed: `touches('health')`. */
  touches(path: string): boolean;
}

export type ConfigListener = (change: ConfigChange) => void;

/**
 * The one interface later parts use to follow the config: read the current value, hear
 * about changes. A listener applies what it can at once; it must not throw.
 */
export interface ConfigUpdates {
  readonly current: Config;
  subscribe(listener: ConfigListener): () => void;
}

export type ReloadOutcome =
  | { readonly kind: 'refused'; readonly errors: readonly Finding[]; readonly warnings: readonly Finding[] }
  | { readonly kind: 'unchanged'; readonly warnings: readonly Finding[] }
  | {
      readonly kind: 'applied';
      readonly changes: readonly KeyChange[];
      readonly warnings: readonly Finding[];
      /** Listeners that threw; the new config stands, and the caller logs these. */
      readonly listenerErrors: readonly unknown[];
    };

/**
 * The running supervisor's config. `reload()` loads it again (file and environment);
 * a valid result replaces the current one and is announced to the subscribers, an
 * invalid one is refused and the current one stays.
 */
export class LiveConfig implements ConfigUpdates {
  #loaded: LoadedConfig;
  readonly #load: () => LoadOutcome;
  readonly #listeners = new Set<ConfigListener>();

  constructor(initial: LoadedConfig, load: () => LoadOutcome) {
    this.#loaded = initial;
    this.#load = load;
  }

  get current(): Config {
    return this.#loaded.config;
  }

  get loaded(): LoadedConfig {
    return this.#loaded;
  }

  subscribe(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  reload(): ReloadOutcome {
    const previous = this.#loaded.config;
    let outcome: LoadOutcome;
    let changes: KeyChange[];
    try {
      outcome = this.#load();
      if (!outcome.ok) return { kind: 'refused', errors: outcome.errors, warnings: outcome.warnings };
      changes = diffConfigs(previous, outcome.loaded.config);
    } catch (error) {
      // Whatever goes wrong before the new config is taken leaves the running one as it is.
      return { kind: 'refused', errors: [loadFailed(this.#loaded.file, error)], warnings: [] };
    }
    const next = outcome.loaded.config;
    this.#loaded = outcome.loaded;
    if (changes.length === 0) return { kind: 'unchanged', warnings: outcome.warnings };

    const change: ConfigChange = {
      previous,
      next,
      changes,
      touches: (path) => changes.some((entry) => entry.key === path || entry.key.startsWith(`${path}.`)),
    };
    const listenerErrors: unknown[] = [];
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        listenerErrors.push(error);
      }
    }
    return { kind: 'applied', changes, warnings: outcome.warnings, listenerErrors };
  }
}
