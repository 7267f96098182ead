import type { CustomCheck, Finding, LoadOutcome } from '@mpm/config';
import { settingName } from '../../config-load.js';
import { commandPlaceOf, problemOf, type CommandPlace } from './check-problems.js';
import { CustomCheckSet } from './check-set.js';

/** `<where>[1] (db): command "pg_isready" was not found on PATH`, for each check that could not run at all. */
export function customCheckProblems(checks: readonly CustomCheck[], where: string, place: CommandPlace): string[] {
  return checks.flatMap((check, index) => {
    const problem = problemOf(check, place);
    return problem === undefined ? [] : [`${where}[${index}] (${check.name}): ${problem}`];
  });
}

function asErrors(messages: readonly string[]): Finding[] {
  return messages.map((message) => ({ severity: 'error', code: 'wrong_type', key: 'health.custom', message }));
}

/**
 * A loaded config whose checks could not run becomes a refused one, with one error per
 * check. With `load`, modules are imported and made too (`config validate`, the start);
 * without, only what can be seen without running anything (a reload, which must answer at
 * once: a module that then fails to load shows as an `unknown` check, and is logged).
 */
export async function refuseUnusableChecks(outcome: LoadOutcome, context: { cwd: string; env: NodeJS.ProcessEnv }, load: boolean): Promise<LoadOutcome> {
  const sync = refuseUnrunnableChecks(outcome, context);
  if (!sync.ok || !load) return sync;
  const { loaded } = sync;
  const set = new CustomCheckSet({
    environment: () => ({ cwd: context.cwd, env: {} }),
    probe: () => ({ path: loaded.config.health.probePath, tls: { rejectUnauthorized: true } }),
    processes: { add: () => undefined, delete: () => undefined },
  });
  const built = await set.build(loaded.config.health.custom, settingName(loaded, 'health.custom'));
  for (const checker of built?.checkers ?? []) checker.close?.();
  if (built === undefined || built.failures.length === 0) return sync;
  return { ok: false, errors: asErrors(built.failures), warnings: sync.warnings, file: loaded.file };
}

/** The part of refuseUnusableChecks that runs nothing: for a reload, which is synchronous. */
export function refuseUnrunnableChecks(outcome: LoadOutcome, context: { cwd: string; env: NodeJS.ProcessEnv }): LoadOutcome {
  if (!outcome.ok) return outcome;
  const { loaded } = outcome;
  const problems = customCheckProblems(loaded.config.health.custom, settingName(loaded, 'health.custom'), commandPlaceOf(loaded.config, context.cwd, context.env));
  if (problems.length === 0) return outcome;
  return { ok: false, errors: asErrors(problems), warnings: outcome.warnings, file: loaded.file };
}
