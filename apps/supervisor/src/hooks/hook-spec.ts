import { dirname } from 'node:path';
import { findProgram } from '@mpm/child';
import { ALL_HOOK_EVENTS, describeSetting, HOOK_DEFAULTS, HOOK_EVENTS, originOnly, type Finding, type HookEntry, type HookEventName, type LoadedConfig } from '@mpm/config';

export type HookTarget =
  | {
      readonly kind: 'command';
      readonly file: string;
      readonly args: readonly string[];
      /** Where it runs: the folder a relative program is taken from, so that its relative arguments mean the same. */
      readonly cwd: string;
    }
  | {
      readonly kind: 'webhook';
      readonly url: string;
      /** How logs name it: the URL's origin, never its path (Slack's path is the credential). */
      readonly shown: string;
      readonly secret: string | null;
      readonly retries: number;
      readonly headers: Readonly<Record<string, string>>;
    };

/** One hook as the dispatcher runs it: complete, with its program found. */
export interface HookSpec {
  readonly name: string;
  readonly events: ReadonlySet<HookEventName>;
  readonly timeoutMs: number;
  readonly target: HookTarget;
}

export type HookSpecs = { readonly ok: true; readonly specs: readonly HookSpec[] } | { readonly ok: false; readonly errors: readonly Finding[] };

/**
 * The hooks of a loaded config, resolved: defaults filled in, each command's program found
 * (a relative path from the config file's folder when the hooks came from the file, else
 * from `cwd`), and run in that folder. A program that cannot be found or run is a config
 * error, at start, in `config validate` and on reload alike.
 */
export function hookSpecsFrom(loaded: LoadedConfig, env: { readonly PATH?: string | undefined }, cwd: string): HookSpecs {
  const source = loaded.sources.get('hooks') ?? { layer: 'default' as const };
  const base = source.layer === 'file' ? dirname(source.file) : cwd;
  const specs: HookSpec[] = [];
  const errors: Finding[] = [];
  loaded.config.hooks.forEach((entry, index) => {
    const target = targetOf(entry, base, env.PATH);
    if (typeof target === 'string') {
      errors.push({ severity: 'error', code: 'wrong_type', key: 'hooks', source, message: `${describeSetting(`hooks[${index}].command`, source)}: ${target}` });
      return;
    }
    const events = entry.on.includes(ALL_HOOK_EVENTS) ? HOOK_EVENTS : (entry.on as readonly HookEventName[]);
    specs.push(Object.freeze({ name: entry.name, events: new Set(events), timeoutMs: entry.timeoutMs ?? HOOK_DEFAULTS.timeoutMs, target }));
  });
  return errors.length === 0 ? { ok: true, specs } : { ok: false, errors };
}

/** The hook's target, or why its program cannot run. */
function targetOf(entry: HookEntry, base: string, path: string | undefined): HookTarget | string {
  if (entry.command !== undefined) {
    const [program = '', ...args] = entry.command;
    const lookup = findProgram(program, { cwd: base, path });
    return lookup.found ? Object.freeze({ kind: 'command', file: lookup.file, args: Object.freeze(args), cwd: base }) : lookup.why;
  }
  const url = entry.url ?? '';
  return Object.freeze({
    kind: 'webhook',
    url,
    shown: originOnly(url) ?? 'the webhook',
    secret: entry.secret ?? null,
    retries: entry.retries ?? HOOK_DEFAULTS.retries,
    headers: Object.freeze({ ...entry.headers }),
  });
}

/** What a log line calls a hook's target. */
export function targetName(target: HookTarget): string {
  return target.kind === 'command' ? target.file : target.shown;
}
