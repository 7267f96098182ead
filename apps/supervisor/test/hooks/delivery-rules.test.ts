import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { FIRST_RETRY_DELAY_MS, MAX_RETRY_AFTER_MS, MAX_RETRY_DELAY_MS, parseRetryAfter, retryDelayMs } from '../../src/hooks/backoff.js';
import { deliverWebhook, webhookBody, type WebhookDeps } from '../../src/hooks/deliver-webhook.js';
import { makeEvent, type EventOrigin } from '../../src/hooks/hook-event.js';
import { hookEnvironment } from '../../src/hooks/delivery.js';
import type { HookTarget } from '../../src/hooks/hook-spec.js';
import { signBody } from '../../src/hooks/signature.js';
import type { AttemptOutcome, WebhookRequest } from '../../src/hooks/webhook-request.js';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');
const origin: EventOrigin = { name: 'chat', pid: 4000, host: 'box', now: () => NOW, newId: () => 'event-1' };
const event = makeEvent(origin, 'child_exited', 'child 4242 exited with code 1 after 3.0s (unexpected)', { pid: 4242, generation: 1 }, { exitCode: 1, signal: null, uptimeMs: 3000 });

const SECRET = 'a-secret-of-some-length';
const webhook = (over: Partial<Extract<HookTarget, { kind: 'webhook' }>> = {}): Extract<HookTarget, { kind: 'webhook' }> => ({
  kind: 'webhook',
  url: 'http://127.0.0.1:9/services/T/B/secret-path',
  shown: 'http://127.0.0.1:9/[redacted]',
  secret: SECRET,
  retries: 3,
  headers: {},
  ...over,
});

describe('the event', () => {
  it('is JSON with the Slack text first, the supervisor name in it, and the event as the log has it', () => {
    const body = JSON.parse(webhookBody(event).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(body)[0]).toBe('text');
    expect(body).toEqual({
      text: '[chat] child 4242 exited with code 1 after 3.0s (unexpected)',
      event: 'child_exited',
      id: 'event-1',
      time: '2026-12-06T12:00:00.000Z',
      supervisor: { name: 'chat', pid: 4000, host: 'box' },
      child: { pid: 4242, generation: 1 },
      details: { exitCode: 1, signal: null, uptimeMs: 3000 },
    });
  });

  it('cuts a text too long for an alert', () => {
    const long = makeEvent(origin, 'health_critical', 'x'.repeat(5000), { pid: 1, generation: 1 }, {});
    expect(long.text).toHaveLength(1000);
    expect(long.text.endsWith('…')).toBe(true);
  });

  it("goes to a command in its environment, without the supervisor's own MPM_* settings", () => {
    const json = webhookBody(event).toString('utf8');
    const env = hookEnvironment({ PATH: '/usr/bin', HOME: '/root', MPM_HTTP_TOKEN: 'status-token', MPM_HOOKS: '[{"secret":"x"}]', NODE_CHANNEL_FD: '3', GONE: undefined }, 'pager', event, json);
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root', MPM_HOOK: 'pager', MPM_EVENT: 'child_exited', MPM_EVENT_ID: 'event-1', MPM_EVENT_JSON: json });
  });
});

describe('the signature', () => {
  it('is the hex HMAC-SHA256 of the exact bytes sent', () => {
    const body = webhookBody(event);
    const expected = createHmac('sha256', SECRET).update(body).digest('hex');
    expect(signBody(SECRET, body)).toBe(`sha256=${expected}`);
  });

  it('changes with any byte: the same JSON re-serialised differently does not verify', () => {
    const body = webhookBody(event);
    const pretty = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 2));
    expect(signBody(SECRET, pretty)).not.toBe(signBody(SECRET, body));
    expect(signBody(`${SECRET}!`, body)).not.toBe(signBody(SECRET, body));
  });
});

describe('the retry delay', () => {
  it('doubles from FIRST_RETRY_DELAY_MS up to MAX_RETRY_DELAY_MS, with half of it random', () => {
    const low = [1, 2, 3, 4, 8, 20].map((retry) => retryDelayMs(retry, () => 0));
    const high = [1, 2, 3, 4, 8, 20].map((retry) => retryDelayMs(retry, () => 1));
    expect(high).toEqual([500, 1000, 2000, 4000, MAX_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS]);
    expect(low).toEqual(high.map((ms) => ms / 2));
    expect(FIRST_RETRY_DELAY_MS).toBe(500);
  });

  it("waits at least a receiver's Retry-After, and no longer than MAX_RETRY_AFTER_MS", () => {
    expect(retryDelayMs(1, () => 0, 10_000)).toBe(10_000);
    expect(retryDelayMs(1, () => 0, 10)).toBe(250);
    expect(retryDelayMs(1, () => 0, 3_600_000)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('reads Retry-After as seconds or a date, and ignores anything else', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

/** A delivery whose attempts answer as `answers` says, with sleeps recorded and not waited. */
function scripted(answers: AttemptOutcome[]): { deps: WebhookDeps; requests: WebhookRequest[]; sleeps: number[] } {
  const requests: WebhookRequest[] = [];
  const sleeps: number[] = [];
  const deps: WebhookDeps = {
    post: (request) => {
      requests.push(request);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('more attempts than the test expected');
      return Promise.resolve(answer);
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 1,
    userAgent: 'mpm-supervise/test',
  };
  return { deps, requests, sleeps };
}

describe('a webhook delivery', () => {
  const signal = new AbortController().signal;
  const serverError: AttemptOutcome = { kind: 'retry', reason: 'http://127.0.0.1:9/[redacted] answered 500' };

  it('retries what may pass, with the same bytes and signature each time, and backs off', async () => {
    const { deps, requests, sleeps } = scripted([serverError, serverError, { kind: 'delivered', status: 200 }]);
    const delivery = await deliverWebhook(webhook(), event, 5000, signal, deps);
    expect(delivery).toEqual({ ok: true, attempts: 3, how: 'http://127.0.0.1:9/[redacted] answered 200' });
    expect(sleeps).toEqual([500, 1000]);
    const [first] = requests;
    expect(first?.headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'mpm-supervise/test',
      'X-Mpm-Event': 'child_exited',
      'X-Mpm-Delivery': 'event-1',
      'X-Mpm-Signature': signBody(SECRET, webhookBody(event)),
    });
    for (const request of requests) {
      expect(request.body.equals(webhookBody(event))).toBe(true);
      expect(request.headers).toEqual(first?.headers);
      expect(request.timeoutMs).toBe(5000);
    }
  });

  it('gives up after its retries, saying how many attempts it made', async () => {
    const { deps, requests } = scripted([serverError, serverError]);
    const delivery = await deliverWebhook(webhook({ retries: 1 }), event, 5000, signal, deps);
    expect(delivery).toEqual({ ok: false, attempts: 2, how: 'http://127.0.0.1:9/[redacted] answered 500 (2 attempts)' });
    expect(requests).toHaveLength(2);
  });

  it('does not retry a 4xx or a redirect', async () => {
    const { deps, requests } = scripted([{ kind: 'fail', reason: 'http://127.0.0.1:9/[redacted] answered 404; not retried' }]);
    expect(await deliverWebhook(webhook(), event, 5000, signal, deps)).toMatchObject({ ok: false, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it("follows a receiver's Retry-After", async () => {
    const { deps, sleeps } = scripted([
      { kind: 'retry', reason: 'answered 429', retryAfterMs: 7000 },
      { kind: 'delivered', status: 204 },
    ]);
    expect(await deliverWebhook(webhook(), event, 5000, signal, deps)).toMatchObject({ ok: true, attempts: 2 });
    expect(sleeps).toEqual([7000]);
  });

  it('sends no signature without a secret, and the configured headers besides its own', async () => {
    const { deps, requests } = scripted([{ kind: 'delivered', status: 200 }]);
    await deliverWebhook(webhook({ secret: null, headers: { Authorization: 'Bearer x' } }), event, 5000, signal, deps);
    expect(requests[0]?.headers).not.toHaveProperty('X-Mpm-Signature');
    expect(requests[0]?.headers).toMatchObject({ Authorization: 'Bearer x', 'Content-Type': 'application/json' });
  });

  it('stops retrying once the supervisor exits', async () => {
    const abort = new AbortController();
    const { deps, requests } = scripted([serverError, serverError]);
    const sleep = deps.sleep;
    const delivery = await deliverWebhook(webhook(), event, 5000, abort.signal, {
      ...deps,
      sleep: (ms, signal) => {
        abort.abort();
        return sleep(ms, signal);
      },
    });
    expect(delivery).toMatchObject({ ok: false, attempts: 1 });
    expect(delivery.how).toContain('abandoned: the supervisor is exiting');
    expect(requests).toHaveLength(1);
  });
});
