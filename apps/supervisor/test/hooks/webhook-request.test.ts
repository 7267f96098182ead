import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { postOnce, type WebhookRequest } from '../../src/hooks/webhook-request.js';

// One POST against real HTTP servers on 127.0.0.1, each answering in its own way.

interface Receiver {
  readonly url: string;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }[];
  /** Connections still open on the receiver's side. */
  readonly open: Set<Socket>;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

/** A server that reads each request in full, records it, then answers with `answer`. */
async function receiver(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      answer(request, response);
    });
  });
  server.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const made: Receiver = {
    url: `http://127.0.0.1:${address.port}/services/T0/B0/secret-path`,
    requests,
    open,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
  receivers.push(made);
  return made;
}

const BODY = Buffer.from('{"text":"[chat] child 1 exited","event":"child_exited"}');

function request(url: string, over: Partial<WebhookRequest> = {}): WebhookRequest {
  return { url, shown: 'http://127.0.0.1/[redacted]', body: BODY, headers: { 'Content-Type': 'application/json', 'X-Mpm-Signature': 'sha256=abc' }, timeoutMs: 5000, ...over };
}

/** Polls until `condition` holds, or fails at the deadline. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('postOnce', () => {
  it('POSTs the exact body with its headers, and counts a 2xx as delivered', async () => {
    const server = await receiver((_, response) => response.writeHead(204).end());
    expect(await postOnce(request(server.url))).toEqual({ kind: 'delivered', status: 204 });
    expect(server.requests).toHaveLength(1);
    const [received] = server.requests;
    expect(received).toMatchObject({ method: 'POST', url: '/services/T0/B0/secret-path' });
    expect(received?.body.equals(BODY)).toBe(true);
    expect(received?.headers).toMatchObject({ 'content-type': 'application/json', 'x-mpm-signature': 'sha256=abc', 'content-length': String(BODY.length), connection: 'close' });
    // Nothing is kept open: no agent, Connection: close.
    await until(() => server.open.size === 0, 'the connection to close');
  });

  it.each([
    [500, { kind: 'retry', reason: 'http://127.0.0.1/[redacted] answered 500' }],
    [503, { kind: 'retry', reason: 'http://127.0.0.1/[redacted] answered 503' }],
    [404, { kind: 'fail', reason: 'http://127.0.0.1/[redacted] answered 404; not retried' }],
    [401, { kind: 'fail', reason: 'http://127.0.0.1/[redacted] answered 401; not retried' }],
  ])('takes %i for %j', async (status, outcome) => {
    const server = await receiver((_, response) => response.writeHead(status).end('no'));
    expect(await postOnce(request(server.url))).toEqual(outcome);
  });

  it("retries a 429 after the receiver's Retry-After", async () => {
    const server = await receiver((_, response) => response.writeHead(429, { 'Retry-After': '3' }).end());
    expect(await postOnce(request(server.url))).toEqual({ kind: 'retry', reason: 'http://127.0.0.1/[redacted] answered 429', retryAfterMs: 3000 });
  });

  it('does not follow a redirect', async () => {
    const elsewhere = await receiver((_, response) => response.writeHead(200).end());
    const server = await receiver((_, response) => response.writeHead(302, { Location: elsewhere.url }).end());
    expect(await postOnce(request(server.url))).toEqual({ kind: 'fail', reason: 'http://127.0.0.1/[redacted] answered 302, a redirect, which is not followed (is the URL right?)' });
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('gives a receiver that never answers its timeout, then closes the connection', async () => {
    const server = await receiver(() => undefined);
    const outcome = await postOnce(request(server.url, { timeoutMs: 300 }));
    expect(outcome).toEqual({ kind: 'retry', reason: 'no answer from http://127.0.0.1/[redacted] within 300ms' });
    await until(() => server.open.size === 0, 'the unanswered connection to close');
  });

  it('decides on the status line, never reading a slow endless body', async () => {
    let written = 0;
    const server = await receiver((_, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      const timer = setInterval(() => {
        if (response.destroyed) return clearInterval(timer);
        written += chunk.length;
        response.write(chunk);
      }, 50);
      response.on('close', () => clearInterval(timer));
    });
    // The timeout is far away: the attempt ends on the status, not on it.
    expect(await postOnce(request(server.url, { timeoutMs: 60_000 }))).toEqual({ kind: 'delivered', status: 200 });
    await until(() => server.open.size === 0, 'the connection to close');
    expect(written).toBeLessThan(10 * 64 * 1024);
  });

  it('takes headers past its limit for an error of the receiver', async () => {
    const server = await receiver((_, response) => {
      response.writeHead(200, { 'X-Huge': 'y'.repeat(32 * 1024) });
      response.end();
    });
    expect(await postOnce(request(server.url))).toEqual({ kind: 'retry', reason: 'http://127.0.0.1/[redacted]: HPE_HEADER_OVERFLOW' });
  });

  it('names a refused connection by its code', async () => {
    const server = await receiver(() => undefined);
    const { url } = server;
    await server.close();
    expect(await postOnce(request(url))).toEqual({ kind: 'retry', reason: 'http://127.0.0.1/[redacted]: ECONNREFUSED' });
  });

  it('ends at once when the supervisor exits', async () => {
    const server = await receiver(() => undefined);
    const abort = new AbortController();
    const outcome = postOnce(request(server.url, { timeoutMs: 60_000, signal: abort.signal }));
    await until(() => server.requests.length === 1, 'the request to arrive');
    abort.abort();
    expect(await outcome).toEqual({ kind: 'fail', reason: 'abandoned: the supervisor is exiting' });
    await until(() => server.open.size === 0, 'the connection to close');
  });
});
