import { request } from 'node:http';
import { isIP } from 'node:net';
import type { StateRecord } from '../state/state-file.js';

/** How long a status server gets to answer: a live supervisor answers in milliseconds. */
export const FETCH_TIMEOUT_MS = 3000;

/** A bogus or runaway server must not fill our memory; /diagnostics is tens of kB. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Where to ask: taken apart from the state file's host and port, never from a URL in it. */
export interface StatusTarget {
  readonly host: string;
  readonly port: number;
  /** For messages: `http://127.0.0.1:8766`. */
  readonly url: string;
}

/**
 * What asking GET /diagnostics came to. A server that does not answer is an expected
 * outcome for `status` to report, so it is data here, not a thrown error.
 */
export type FetchOutcome =
  | { readonly kind: 'ok'; readonly document: unknown }
  | { readonly kind: 'unauthorized'; readonly tokenSent: boolean }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  | { readonly kind: 'refused' }
  | { readonly kind: 'http_error'; readonly status: number; readonly message: string | null }
  | { readonly kind: 'bad_answer'; readonly reason: string }
  | { readonly kind: 'network'; readonly code: string | null; readonly message: string };

export type FetchFailure = Exclude<FetchOutcome, { kind: 'ok' }>;

/**
 * The address to connect to for a state record's status server; null when the record
 * has none or it is not a host and port we understand. A supervisor bound to every
 * interface is asked on loopback: the bearer token is not sent further than needed.
 */
export function targetOf(http: StateRecord['http'] | undefined): StatusTarget | null {
  if (http === null || typeof http !== 'object') return null;
  const { host, port } = http as { host?: unknown; port?: unknown };
  if (typeof host !== 'string' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  const family = isIP(host);
  if (family === 0 && host !== 'localhost') return null;
  const connectTo = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return { host: connectTo, port, url: `http://${family === 6 || connectTo.includes(':') ? `[${connectTo}]` : connectTo}:${port}` };
}

/** GET /diagnostics with the bearer token if there is one; settles within `timeoutMs`, never rejects. */
export function fetchDiagnostics(target: StatusTarget, token: string | null, timeoutMs: number = FETCH_TIMEOUT_MS): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: FetchOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    // agent: false: one connection of its own, closed with the answer, so nothing keeps the CLI alive.
    const req = request({ host: target.host, port: target.port, path: '/diagnostics', method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) settle({ kind: 'bad_answer', reason: `the answer is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB` });
        else chunks.push(chunk);
      });
      res.on('end', () => settle(outcomeOf(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), token !== null)));
      res.on('error', (error) => settle(networkOutcome(error)));
    });
    // One deadline for connect, request and body alike (a socket timeout only measures idleness).
    const timer = setTimeout(() => settle({ kind: 'timeout', timeoutMs }), timeoutMs);
    req.on('error', (error) => settle(networkOutcome(error)));
    req.end();
  });
}

function outcomeOf(status: number, body: string, tokenSent: boolean): FetchOutcome {
  if (status === 401) return { kind: 'unauthorized', tokenSent };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return status === 200 ? { kind: 'bad_answer', reason: 'the answer is not JSON' } : { kind: 'http_error', status, message: null };
  }
  if (status !== 200) {
    const message = (parsed as { message?: unknown } | null)?.message;
    return { kind: 'http_error', status, message: typeof message === 'string' ? message : null };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { kind: 'bad_answer', reason: 'the answer is not a JSON object' };
  return { kind: 'ok', document: parsed };
}

function networkOutcome(error: Error): FetchOutcome {
  const code = (error as NodeJS.ErrnoException).code ?? null;
  if (code === 'ECONNREFUSED') return { kind: 'refused' };
  return { kind: 'network', code, message: error.message };
}
