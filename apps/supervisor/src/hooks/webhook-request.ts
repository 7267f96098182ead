import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { formatDuration } from '@mpm/config';
import { parseRetryAfter } from './backoff.js';

/** How one POST ended. `retry`: worth trying again (no answer, 5xx, 429); `fail`: not. */
export type AttemptOutcome =
  { readonly kind: 'delivered'; readonly status: number } | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number } | { readonly kind: 'fail'; readonly reason: string };

export interface WebhookRequest {
  readonly url: string;
  /** The URL as a log line may name it (its origin). */
  readonly shown: string;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** For the whole attempt: connect, send, and the answer's status line and headers. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A receiver's headers beyond this are an error, not something to read on. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * POSTs once. The answer's status decides, its body is never read (a receiver cannot
 * make the supervisor hold a slow or endless one), a redirect is not followed, and the
 * attempt ends by `timeoutMs` whatever the receiver does. Never throws. The request has
 * no agent: nothing is kept open after it.
 */
export function postOnce(request: WebhookRequest, now: () => number = Date.now): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    const { shown } = request;
    let settled = false;
    const send = request.url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(request.url, {
      method: 'POST',
      agent: false,
      maxHeaderSize: MAX_HEADER_BYTES,
      headers: { ...request.headers, 'Content-Length': String(request.body.length), Connection: 'close' },
    });
    const finish = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'retry', reason: `no answer from ${shown} within ${formatDuration(request.timeoutMs)}` }), request.timeoutMs);
    timer.unref();
    const onAbort = (): void => finish({ kind: 'fail', reason: `abandoned: the supervisor is exiting` });
    if (request.signal?.aborted === true) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.destroy();
      finish(judge(status, shown, parseRetryAfter(header(response.headers['retry-after']), now())));
    });
    // A code, not the message: a message may quote what was sent.
    req.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'retry', reason: `${shown}: ${error.code ?? 'the request failed'}` }));
    req.end(request.body);
  });
}

function judge(status: number, shown: string, retryAfterMs: number | undefined): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const answered = `${shown} answered ${status}`;
  if (status === 429 || status >= 500) return retryAfterMs === undefined ? { kind: 'retry', reason: answered } : { kind: 'retry', reason: answered, retryAfterMs };
  if (status >= 300 && status < 400) return { kind: 'fail', reason: `${answered}, a redirect, which is not followed (is the URL right?)` };
  return { kind: 'fail', reason: `${answered}; not retried` };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
