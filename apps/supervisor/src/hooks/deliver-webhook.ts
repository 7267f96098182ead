import type { Delivery } from './delivery.js';
import type { HookEvent } from './hook-event.js';
import { retryDelayMs } from './backoff.js';
import { signBody, SIGNATURE_HEADER } from './signature.js';
import type { AttemptOutcome, WebhookRequest } from './webhook-request.js';
import type { HookTarget } from './hook-spec.js';

type Webhook = Extract<HookTarget, { kind: 'webhook' }>;

/** What a delivery needs besides the hook: injected in unit tests. */
export interface WebhookDeps {
  readonly post: (request: WebhookRequest) => Promise<AttemptOutcome>;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly userAgent: string;
}

/** The JSON a receiver gets: Slack reads `text` (the first field), anything else reads the rest. */
export function webhookBody(event: HookEvent): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/**
 * POSTs one event, retrying what may pass (no answer, 5xx, 429) up to `retries` more
 * times with backoff; a 4xx or a redirect ends it at once. Every attempt sends the same
 * bytes with the same signature. Never throws.
 */
export async function deliverWebhook(target: Webhook, event: HookEvent, timeoutMs: number, signal: AbortSignal, deps: WebhookDeps): Promise<Delivery> {
  const body = webhookBody(event);
  const headers: Record<string, string> = {
    ...target.headers,
    'Content-Type': 'application/json',
    'User-Agent': deps.userAgent,
    'X-Mpm-Event': event.event,
    'X-Mpm-Delivery': event.id,
    ...(target.secret === null ? {} : { [SIGNATURE_HEADER]: signBody(target.secret, body) }),
  };
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await deps.post({ url: target.url, shown: target.shown, body, headers, timeoutMs, signal });
    if (outcome.kind === 'delivered') return { ok: true, attempts: attempt, how: `${target.shown} answered ${outcome.status}` };
    const last = outcome.reason;
    if (outcome.kind === 'fail' || attempt > target.retries || signal.aborted) return { ok: false, attempts: attempt, how: tried(last, attempt) };
    await deps.sleep(retryDelayMs(attempt, deps.random, outcome.retryAfterMs), signal);
    if (signal.aborted) return { ok: false, attempts: attempt, how: tried(`${last}; abandoned: the supervisor is exiting`, attempt) };
  }
}

function tried(reason: string, attempts: number): string {
  return attempts === 1 ? reason : `${reason} (${attempts} attempts)`;
}

/** A timer that an abort ends early; unref'd, as a retry must not keep the supervisor up. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}
