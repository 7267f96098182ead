import { afterEach, describe, expect, it } from '@jest/globals';
import { Agent, request } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { DEFAULT_LIMITS, ListenError, StatusServer, errorReply, jsonReply, type Handler, type ListeningAddress, type StatusServerOptions } from '../src/index.js';
import { describeListenError } from '../src/errors.js';
import { RawClient, destroyRawClients, expectCommonHeaders, expectError, fetchFrom, within } from './clients.js';

const HEALTH_TYPE = 'application/health+json';
const servers: StatusServer[] = [];
const agents: Agent[] = [];
const netServers: NetServer[] = [];

afterEach(async () => {
  destroyRawClients();
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(netServers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function routes(extra: Array<[string, Handler]> = []): Map<string, Handler> {
  return new Map<string, Handler>([
    ['/health', () => jsonReply(200, { status: 'pass' }, HEALTH_TYPE)],
    ['/health/live', async () => jsonReply(200, { live: await Promise.resolve(true) })],
    ['/echo', ({ path, query }) => jsonReply(200, { path, q: query.get('q') })],
    ...extra,
  ]);
}

async function start(options: Partial<StatusServerOptions> = {}): Promise<ListeningAddress> {
  const server = new StatusServer({ host: '127.0.0.1', port: 0, routes: routes(), ...options });
  servers.push(server);
  return server.listen();
}

describe('StatusServer: routes', () => {
  it('answers a route with the headers every answer carries', async () => {
    const address = await start();
    expect(address).toEqual({ host: '127.0.0.1', port: expect.any(Number), url: `http://127.0.0.1:${address.port}` });
    expect(address.port).toBeGreaterThan(0);
    const answer = await fetchFrom(address, '/health');
    expect(answer.status).toBe(200);
    expectCommonHeaders(answer, HEALTH_TYPE);
    expect(JSON.parse(answer.body)).toEqual({ status: 'pass' });
  });

  it('awaits an async handler, passes the query and ignores one trailing slash', async () => {
    const address = await start();
    expect((await fetchFrom(address, '/health/live/')).status).toBe(200);
    const echo = await fetchFrom(address, '/echo/?q=a%20b');
    expect(JSON.parse(echo.body)).toEqual({ path: '/echo', q: 'a b' });
    expectError(await fetchFrom(address, '/echo//'), 404, 'not_found');
    // An origin-form target is a path: //health is not taken for a host called "health".
    expect(expectError(await fetchFrom(address, '//health'), 404, 'not_found').message).toMatch(/^nothing at \/\/health;/);
  });

  it('answers 400 to a request target that is not a URL', async () => {
    const address = await start();
    const client = await RawClient.open(address);
    client.socket.write('GET http://[x/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await within(client.closed, 5_000, 'close after a bad target');
    expect(expectError(client.answer(), 400, 'bad_request').message).toBe('the request target is not a valid path');
  });

  it('answers an unknown path 404 naming the endpoints, and a wrong method 405 with Allow', async () => {
    const address = await start();
    expect(expectError(await fetchFrom(address, '/foo'), 404, 'not_found').message).toBe('nothing at /foo; endpoints: /health, /health/live, /echo');
    const post = await fetchFrom(address, '/health', { method: 'POST' });
    expect(expectError(post, 405, 'method_not_allowed').message).toBe('POST is not allowed on /health; use GET');
    expect(post.headers.allow).toBe('GET, HEAD');
    // The path is looked at first: a wrong method on an unknown path is 404.
    expectError(await fetchFrom(address, '/foo', { method: 'DELETE' }), 404, 'not_found');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const address = await start();
    const get = await fetchFrom(address, '/health');
    const client = await RawClient.open(address);
    client.socket.write('HEAD /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await within(client.closed, 5_000, 'close after HEAD');
    const [head, rest] = client.data.split('\r\n\r\n');
    expect(rest).toBe('');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toContain(`Content-Length: ${get.headers['content-length']}`);
    expect(head).toContain(`Content-Type: ${HEALTH_TYPE}`);
    expect(head).toContain('Cache-Control: no-store');
    expect(head).toContain('X-Content-Type-Options: nosniff');
  });

  it('answers 500 without the reason when a handler throws, rejects or returns what it cannot send', async () => {
    const seen: Array<[string, string]> = [];
    const address = await start({
      routes: routes([
        [
          '/throws',
          () => {
            throw new Error('secret detail');
          },
        ],
        ['/rejects', () => Promise.reject(new Error('secret detail'))],
        ['/bad-header', () => jsonReply(200, {}, 'application/json', { 'X-Bad': 'a\nb' })],
      ]),
      onHandlerError: (error, path) => {
        seen.push([path, (error as Error).message]);
        throw new Error('a reporter that throws changes nothing');
      },
    });
    for (const path of ['/throws', '/rejects', '/bad-header']) {
      const answer = await fetchFrom(address, path);
      expect(expectError(answer, 500, 'internal_error').message).toBe(`the status server could not answer ${path}; the supervisor log says why`);
      expect(answer.body).not.toContain('secret');
    }
    expect(seen.map(([path]) => path)).toEqual(['/throws', '/rejects', '/bad-header']);
    expect(seen[0]?.[1]).toBe('secret detail');
    expect((await fetchFrom(address, '/health')).status).toBe(200);
  });

  it('lets a route add headers but not replace the ones every answer carries', async () => {
    const address = await start({
      routes: new Map<string, Handler>([['/x', () => errorReply(503, 'not_ready', 'not yet', { 'Retry-After': '5', 'cache-control': 'max-age=60' })]]),
    });
    const answer = await fetchFrom(address, '/x');
    expectError(answer, 503, 'not_ready');
    expect(answer.headers['retry-after']).toBe('5');
  });
});

describe('StatusServer: token', () => {
  const TOKEN = 's3cret';
  const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer nope'],
    ['the token under another scheme', `Basic ${TOKEN}`],
    ['a wrong Basic password', basic(`me:${TOKEN}x`)],
    ['the token as a Basic user name', basic(`${TOKEN}:`)],
    ['Basic credentials without a colon', basic(TOKEN)],
    ['Basic credentials that are not base64', `Basic ${basic(`me:${TOKEN}`).slice(6)}%`],
  ])('answers 401 to %s, with a Bearer and a Basic challenge', async (_what, authorization) => {
    const address = await start({ token: TOKEN });
    const answer = await fetchFrom(address, '/health', { headers: authorization === undefined ? {} : { authorization } });
    expect(expectError(answer, 401, 'unauthorized').message).toBe(
      'this status server needs the token (MPM_HTTP_TOKEN): send "Authorization: Bearer <token>", or sign in with any user name and the token as password',
    );
    // Node joins repeated headers; the raw ones show that they came as two lines.
    const challenges: string[] = [];
    for (let i = 0; i < answer.rawHeaders.length; i += 2) {
      if (answer.rawHeaders[i]?.toLowerCase() === 'www-authenticate') challenges.push(answer.rawHeaders[i + 1] ?? '');
    }
    expect(challenges).toEqual(['Bearer realm="mpm-supervise"', 'Basic realm="mpm-supervise", charset="UTF-8"']);
  });

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, basic(`me:${TOKEN}`), basic(`:${TOKEN}`), basic(`admin:${TOKEN}`)])('answers %s', async (authorization) => {
    const address = await start({ token: TOKEN });
    expect((await fetchFrom(address, '/health', { headers: { authorization } })).status).toBe(200);
  });

  it('asks for the token before routing: an unknown path without it is 401, with it 404', async () => {
    const address = await start({ token: TOKEN });
    expectError(await fetchFrom(address, '/nope'), 401, 'unauthorized');
    expectError(await fetchFrom(address, '/nope', { method: 'POST' }), 401, 'unauthorized');
    expectError(await fetchFrom(address, '/nope', { headers: { authorization: `Bearer ${TOKEN}` } }), 404, 'not_found');
  });

  it('needs no token when the token is empty or null', async () => {
    for (const token of ['', null]) {
      const address = await start({ token });
      expect((await fetchFrom(address, '/health')).status).toBe(200);
    }
  });
});

describe('StatusServer: hostile and broken clients', () => {
  it('answers garbage 400 in JSON, closes the connection and goes on serving', async () => {
    const address = await start();
    const client = await RawClient.open(address);
    client.socket.write('\x00\x01hello\r\n\r\n');
    await within(client.closed, 5_000, 'close after garbage');
    const answer = client.answer();
    expect(expectError(answer, 400, 'bad_request').message).toMatch(/^the request is not valid HTTP\/1\.1 \(HPE_/);
    expect(answer.headers.connection).toBe('close');
    expect((await fetchFrom(address, '/health')).status).toBe(200);
  });

  it('answers once when bytes the parser cannot read follow a request (a DELETE body without a length)', async () => {
    const address = await start();
    const client = await RawClient.open(address);
    // Node's own client sends this for DELETE with a body: the body reads as a second, broken request.
    client.socket.write('DELETE /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n{"x":1}');
    await within(client.closed, 5_000, 'close after the answer');
    const answer = client.answer();
    expectError(answer, 405, 'method_not_allowed');
    expect(client.data.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect((await fetchFrom(address, '/health')).status).toBe(200);
  });

  it('answers a 64 KiB header 431 and goes on serving', async () => {
    const address = await start();
    const client = await RawClient.open(address);
    client.socket.write(`GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    await within(client.closed, 5_000, 'close after a huge header');
    const answer = client.answer();
    expect(expectError(answer, 431, 'header_too_large').message).toBe(`the request head is larger than ${DEFAULT_LIMITS.maxHeaderBytes} bytes`);
    expect((await fetchFrom(address, '/health')).status).toBe(200);
  });

  it('closes a client that never finishes its request head', async () => {
    const address = await start({ limits: { headersTimeoutMs: 300, connectionsCheckingIntervalMs: 100 } });
    const client = await RawClient.open(address);
    const sent = Date.now();
    client.socket.write('GET /health HTTP/1.1\r\n');
    await within(client.closed, 5_000, 'the server closing a slow client');
    expect(Date.now() - sent).toBeGreaterThanOrEqual(250);
    if (client.data !== '') expectError(client.answer(), 408, 'request_timeout');
  });

  it('answers others while a slow client holds a connection', async () => {
    const address = await start();
    const slow = await RawClient.open(address);
    slow.socket.write('GET /health HTTP/1.1\r\n');
    expect((await fetchFrom(address, '/health')).status).toBe(200);
    expect((await fetchFrom(address, '/health/live')).status).toBe(200);
    expect(slow.isClosed).toBe(false); // the head has 5 s by default
  });

  const chunk = 'x'.repeat(16 * 1024);
  it.each([
    ['a chunked body that never ends', 'Transfer-Encoding: chunked', `${(16 * 1024).toString(16)}\r\n${chunk}\r\n`, 405],
    ['a body of 10 GB', 'Content-Length: 10000000000', chunk, 405],
    ['a body to an unknown path', 'Content-Length: 10000000000', chunk, 404],
    ['a body and Expect: 100-continue', 'Content-Length: 10000000000\r\nExpect: 100-continue', '', 405],
  ])('answers a POST with %s at once and closes the connection', async (what, header, piece, status) => {
    const address = await start();
    const client = await RawClient.open(address);
    const path = status === 404 ? '/upload' : '/health';
    client.socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\n${header}\r\n\r\n`);
    let written = 0;
    const pump = (): void => {
      while (piece !== '' && !client.socket.destroyed && written < 1e9) {
        written += piece.length;
        if (!client.socket.write(piece)) return void client.socket.once('drain', pump);
      }
    };
    pump();
    await within(client.closed, 10_000, `the server closing a POST with ${what}`);
    expect(client.data).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const answer = client.answer();
    expectError(answer, status, status === 404 ? 'not_found' : 'method_not_allowed');
    expect(answer.headers.connection).toBe('close');
    expect(written).toBeLessThan(1e9);
  });
});

describe('StatusServer: listen and close', () => {
  it('rejects a port in use with one line naming it', async () => {
    const taken = createNetServer();
    netServers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const server = new StatusServer({ host: '127.0.0.1', port, routes: routes() });
    servers.push(server);
    const error = await server.listen().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ListenError);
    expect(error).toMatchObject({ name: 'ListenError', failure: 'in_use', host: '127.0.0.1', port, cause: expect.objectContaining({ code: 'EADDRINUSE' }) });
    expect((error as Error).message).toBe(`the status server cannot listen on 127.0.0.1:${port}: the port is in use (choose another with --http-port, or 0 for any free port)`);
    expect(server.address).toBeUndefined();
  });

  it('rejects an address that is not on this machine', async () => {
    const server = new StatusServer({ host: '192.0.2.1', port: 0, routes: routes() }); // TEST-NET-1
    servers.push(server);
    await expect(server.listen()).rejects.toMatchObject({ failure: 'not_available', message: expect.stringContaining('(check --http-host)') });
  });

  it.each([
    ['EADDRINUSE', 'in_use', 'the status server cannot listen on [::1]:80: the port is in use (choose another with --http-port, or 0 for any free port)'],
    ['EACCES', 'permission', 'the status server cannot listen on [::1]:80: permission denied (ports below 1024 need privileges; choose another with --http-port)'],
    ['EADDRNOTAVAIL', 'not_available', 'the status server cannot listen on [::1]:80: the address is not on this machine (check --http-host)'],
    ['ENOTFOUND', 'not_available', 'the status server cannot listen on [::1]:80: the host name ::1 does not resolve (check --http-host)'],
    ['EMFILE', 'other', 'the status server cannot listen on [::1]:80: listen EMFILE: too many open files'],
  ])('describes %s as %s', (code, failure, message) => {
    const cause = Object.assign(new Error('listen EMFILE: too many open files\n    at somewhere.js:1:2'), { code });
    expect(describeListenError('::1', 80, cause)).toMatchObject({ failure, message, cause });
  });

  it('can be closed before it listens, twice, and not listen after', async () => {
    const server = new StatusServer({ host: '127.0.0.1', port: 0, routes: routes() });
    await server.close();
    await server.close();
    await expect(server.listen()).rejects.toThrow('the status server is closed');
  });

  it('ends a kept-alive connection, a half-written request and a pending handler at once', async () => {
    let started = (): void => undefined;
    const pending = new Promise<void>((resolve) => (started = resolve));
    const server = new StatusServer({
      host: '127.0.0.1',
      port: 0,
      routes: routes([
        [
          '/hang',
          () => {
            started();
            return new Promise(() => undefined);
          },
        ],
      ]),
      limits: { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 60_000 },
    });
    servers.push(server);
    const address = await server.listen();
    expect(server.address).toEqual(address);

    const agent = new Agent({ keepAlive: true });
    agents.push(agent);
    const kept = await within(
      new Promise<Socket>((resolve, reject) => {
        const req = request(`${address.url}/health`, { agent }, (res) => {
          const { socket } = res; // detached from the response once it ends
          res.resume().on('end', () => resolve(socket));
        });
        req.on('error', reject).end();
      }),
      5_000,
      'an answer on a kept-alive connection',
    );
    const keptClosed = new Promise((resolve) => kept.once('close', resolve));
    expect(kept.destroyed).toBe(false);

    const half = await RawClient.open(address);
    half.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
    const hanging = request(`${address.url}/hang`, { agent: false });
    const hangingDone = new Promise((resolve) => hanging.once('error', resolve).once('response', resolve));
    hanging.end();
    await within(pending, 5_000, 'the handler starting');

    await within(server.close(), 5_000, 'close()');
    await within(Promise.all([keptClosed, half.closed, hangingDone]), 5_000, 'every connection closing');
    expect(server.address).toBeUndefined();
  });
});

describe('StatusServer: options', () => {
  it('has frozen defaults and checks the limits it is given', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
    const make = (limits: object): StatusServer => new StatusServer({ host: '127.0.0.1', port: 0, routes: routes(), limits });
    expect(() => make({ headersTimeoutMs: 20_000 })).toThrow('status server limit headersTimeoutMs (20000) must not exceed requestTimeoutMs (10000)');
    expect(() => make({ maxConnections: 0 })).toThrow('status server limit maxConnections must be a positive integer, got 0');
    expect(DEFAULT_LIMITS).toMatchObject({ maxStreams: 16, streamHeartbeatMs: 15_000, maxStreamBufferBytes: 1_048_576 });
    expect(() => make({ maxStreams: 1.5 })).toThrow('status server limit maxStreams must be a positive integer, got 1.5');
    expect(() => make({ maxHeaderBytes: undefined })).not.toThrow();
    expect(() => new StatusServer({ host: '127.0.0.1', port: 70_000, routes: routes() })).toThrow(RangeError);
  });
});
