import { deliverWebhook, webhookBody, type WebhookDeps } from './deliver-webhook.js';
import type { HookEvent } from './hook-event.js';
import type { HookSpec } from './hook-spec.js';
import type { CommandResult, CommandRun } from './run-command.js';

/** How one event's delivery to one hook ended. */
export interface Delivery {
  readonly ok: boolean;
  readonly attempts: number;
  /** One line: "https://hooks.example.com answered 200", "/usr/local/bin/page-me exited with code 3". */
  readonly how: string;
  /** A command's output, bounded; for the debug log. */
  readonly output?: { readonly stdout: string; readonly stderr: string };
}

export type DeliverFunction = (spec: HookSpec, event: HookEvent, signal: AbortSignal) => Promise<Delivery>;

export interface DeliveryDeps extends WebhookDeps {
  readonly run: (run: CommandRun) => Promise<CommandResult>;
  /** The supervisor's environment, of which a command gets all but the MPM_* settings. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The pids of the hook commands running now (see CommandRun.running). */
  readonly running: Set<number>;
}

/** Delivers to either kind of hook; never throws. */
export function deliverer(deps: DeliveryDeps): DeliverFunction {
  return async (spec, event, signal) => {
    const { target } = spec;
    if (target.kind === 'webhook') return deliverWebhook(target, event, spec.timeoutMs, signal, deps);
    const input = webhookBody(event).toString('utf8');
    const result = await deps.run({
      file: target.file,
      args: target.args,
      input,
      env: hookEnvironment(deps.env, spec.name, event, input),
      cwd: target.cwd,
      timeoutMs: spec.timeoutMs,
      signal,
      running: deps.running,
    });
    return { ok: result.ok, attempts: 1, how: `${target.file} ${result.how}`, output: { stdout: result.stdout, stderr: result.stderr } };
  };
}

/**
 * A hook command's environment: the supervisor's, without its own MPM_* settings (they
 * hold the status token and, in MPM_HOOKS, every hook's secret) and without a parent's
 * IPC channel; plus the event.
 */
export function hookEnvironment(inherited: Readonly<Record<string, string | undefined>>, hook: string, event: HookEvent, json: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value === undefined || name.startsWith('MPM_') || name.startsWith('NODE_CHANNEL_')) continue;
    env[name] = value;
  }
  return { ...env, MPM_HOOK: hook, MPM_EVENT: event.event, MPM_EVENT_ID: event.id, MPM_EVENT_JSON: json };
}
