import { isDeepStrictEqual } from 'node:util';
import type { CustomCheck } from '@mpm/config';
import { CustomChecker, type HealthChecker } from '@mpm/health';
import { buildCheck, type CheckDeps } from './build-check.js';
import { specOf } from './check-spec.js';
import { CheckLoadError } from './load-module.js';

interface Built {
  readonly check: CustomCheck;
  readonly checker: HealthChecker;
}

/** The checkers of health.custom, or for each check that could not be made, why (one line each). */
export interface BuiltChecks {
  readonly checkers: readonly HealthChecker[];
  readonly failures: readonly string[];
}

/**
 * The user-defined checks as HealthCheckers, kept across reloads: an entry that did not
 * change keeps its checker (and its module's state); a new or changed one is made afresh,
 * and the ones left out are closed by the monitor once no round uses them. `where` names
 * the setting in messages, e.g. "/etc/chat.json:14:5: health.custom".
 */
export class CustomCheckSet {
  readonly #deps: CheckDeps;
  #built: readonly Built[] = [];
  #latest = 0;

  constructor(deps: CheckDeps) {
    this.#deps = deps;
  }

  get checkers(): readonly HealthChecker[] {
    return this.#built.map((built) => built.checker);
  }

  /**
   * Makes the checkers for `checks`. A check that cannot be made (a module that does not
   * load) is listed in `failures`; in the set it is replaced by one that reports `unknown`
   * with the reason, so that it shows where the check would be. Resolves undefined when a
   * later call overtook this one (two reloads in a row: the last one wins).
   */
  async build(checks: readonly CustomCheck[], where: string): Promise<BuiltChecks | undefined> {
    const call = ++this.#latest;
    const previous = this.#built;
    const failures: string[] = [];
    const built = await Promise.all(
      checks.map(async (check, index): Promise<Built> => {
        const same = previous.find((old) => isDeepStrictEqual(old.check, check));
        if (same !== undefined) return same;
        try {
          return { check, checker: await buildCheck(check, this.#deps) };
        } catch (error) {
          if (!(error instanceof CheckLoadError)) throw error;
          const reason = `${where}[${index}] (${check.name}): ${error.message}`;
          failures.push(reason);
          return { check, checker: unusable(check, error.message) };
        }
      }),
    );
    if (call !== this.#latest) {
      for (const { checker } of built) if (!previous.some((old) => old.checker === checker)) checker.close?.();
      return undefined;
    }
    this.#built = built;
    return { checkers: this.checkers, failures };
  }
}

/** A check whose module did not load: it says so every round, and nothing is held against the child. */
function unusable(check: CustomCheck, reason: string): HealthChecker {
  return new CustomChecker(specOf(check), '', async () => ({ kind: 'unknown', message: `not running: ${reason}` }));
}
