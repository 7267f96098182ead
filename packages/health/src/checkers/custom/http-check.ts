import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthChecker } from '../../checker.js';
import { CustomChecker, type CheckSpec, type Reading } from './custom-checker.js';

export interface HttpCheckOptions extends CheckSpec {
  readonly url: string;
  /** Statuses that count as healthy; absent: 200–399 (a redirect is an answer, and it is not followed). */
  readonly expectStatus?: readonly number[];
  /** Text the body must contain, looked for in its first MAX_BODY_BYTES. */
  readonly bodyContains?: string;
  /** PEM certificate authorities an https:// URL is trusted by besides the system ones. */
  readonly ca?: string;
  /** Do not check an https:// server's certificate. */
  readonly insecure?: boolean;
}

/** The most of a body read while looking for bodyContains. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * GET a URL and judge the answer: its status, and optionally a text in its body. Its value
 * is the time to the answer (to the text, when one is looked for). Redirects are not
 * followed. A wrong answer, a refused connection or no answer in time is a failure that
 * says what was seen.
 */
export function httpCheck(options: HttpCheckOptions): HealthChecker {
  const url = new URL(options.url);
  // Shown in messages without credentials or a query that may carry a token.
  const shown = `${url.origin}${url.pathname}`;
  return new CustomChecker(options, 'ms', (_target, context) => get(url, shown, options, context.timeoutMs, context.signal));
}

function get(url: URL, shown: string, options: HttpCheckOptions, timeoutMs: number, signal: AbortSignal): Promise<Reading> {
  if (signal.aborted) return Promise.resolve({ kind: 'unknown', message: 'the check was stopped' });
  return new Promise((resolve) => {
    const started = performance.now();
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'mpm-supervise health check', accept: '*/*' },
      ...(secure ? { rejectUnauthorized: options.insecure !== true, ...(options.ca === undefined ? {} : { ca: options.ca }) } : {}),
    });
    let settled = false;
    const finish = (reading: Reading): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(reading);
    };
    const onAbort = (): void => finish({ kind: 'unknown', message: 'the check was stopped' });
    const timer = setTimeout(() => finish({ kind: 'failed', message: `no answer from ${shown} within ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    req.once('error', (error: NodeJS.ErrnoException) => finish({ kind: 'failed', message: `no answer from ${shown}: ${describeError(error)}` }));
    req.once('response', (res) => judgeAnswer(res, shown, options, started, finish));
    req.end();
  });
}

function judgeAnswer(res: IncomingMessage, shown: string, options: HttpCheckOptions, started: number, finish: (reading: Reading) => void): void {
  const status = res.statusCode ?? 0;
  const expected = options.expectStatus;
  const fine = expected === undefined ? status >= 200 && status <= 399 : expected.includes(status);
  if (!fine) {
    finish({ kind: 'failed', message: `HTTP ${status} from ${shown} (expected ${expected === undefined ? '200–399' : expected.join(' or ')})` });
    return;
  }
  const wanted = options.bodyContains;
  if (wanted === undefined) {
    finish({ kind: 'measured', value: performance.now() - started, detail: `HTTP ${status} from ${shown} in` });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const look = (ended: boolean): void => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (body.includes(wanted)) {
      finish({ kind: 'measured', value: performance.now() - started, detail: `HTTP ${status} from ${shown} with ${JSON.stringify(clip(wanted))} in` });
    } else if (ended || size >= MAX_BODY_BYTES) {
      const where = size >= MAX_BODY_BYTES ? `in its first ${MAX_BODY_BYTES / 1024} KiB` : `(${size} bytes)`;
      finish({ kind: 'failed', message: `HTTP ${status} from ${shown}, but the body lacks ${JSON.stringify(clip(wanted))} ${where}` });
    }
  };
  res.on('data', (chunk: Buffer) => {
    const room = MAX_BODY_BYTES - size;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    chunks.push(part);
    size += part.length;
    look(false);
  });
  res.once('end', () => look(true));
  res.once('error', (error: NodeJS.ErrnoException) => finish({ kind: 'failed', message: `the answer from ${shown} broke off: ${describeError(error)}` }));
}

const CERTIFICATE_TROUBLE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${error.code})`;
    default:
      if (error.code !== undefined && CERTIFICATE_TROUBLE.test(error.code)) return `${error.message} (give this check "ca", or "insecure": true)`;
      return error.code ?? error.message.split('\n')[0] ?? 'error';
  }
}

function clip(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 39)}…`;
}
