import { afterEach, describe, expect, it } from '@jest/globals';
import { hostname } from 'node:os';
import { StatusServer, jsonReply, type Handler, type ListeningAddress, type ServerNotice, type StatusServerOptions } from '../src/index.js';
import { waitUntil } from '../../../test/helpers/wait.js';
import { RawClient, destroyRawClients, expectError, fetchFrom, within, type Answer } from './clients.js';
import { nonLoopbackIPv4 } from './interfaces.js';

const servers: StatusServer[] = [];

afterEach(async () => {
  destroyRawClients();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<StatusServerOptions> = {}): Promise<ListeningAddress> {
  const routes = new Map<string, Handler>([['/health', () => jsonReply(200, { status: 'pass' })]]);
  const server = new StatusServer({ host: '127.0.0.1', port: 0, routes, ...options });
  servers.push(server);
  return server.listen();
}

/** One request written as it is (`head` without the blank line), answered on a connection of its own. */
async function raw(address: ListeningAddress, head: string): Promise<Answer & { data: string }> {
  const client = await RawClient.open(address);
  client.socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  await within(client.closed, 5_000, `an answer to ${JSON.stringify(head)}`);
  return { ...client.answer(), data: client.data };
}

const withHost = (address: ListeningAddress, host: string): Promise<Answer> => fetchFrom(address, '/health', { headers: { host } });

describe('StatusServer: the Host a request names, without a token', () => {
  it('answers loopback names and its own address, with any port', async () => {
    const address = await start();
    const hosts = [
      'localhost',
      'LocalHost:1',
      'localhost.',
      'dash.board.localhost:8766',
      '127.0.0.1',
      `127.0.0.1:${address.port}`,
      '127.255.0.9:80',
      '[::1]',
      '[::1]:443',
      '[0:0:0:0:0:0:0:1]',
      '[::ffff:127.0.0.1]',
      'localhost:',
    ];
    for (const host of hosts) expect({ host, status: (await withHost(address, host)).status }).toEqual({ host, status: 200 });
  });

  it('answers any other name or address 421 in JSON, HEAD without a body, and closes the connection', async () => {
    const address = await start();
    for (const host of ['evil.example', `evil.example:${address.port}`, 'localhost.evil.example', '127.0.0.1.nip.io', 'localhost-evil', '10.0.0.1', '[::2]', '0.0.0.0', '127.1', 'evil.example.']) {
      const answer = await withHost(address, host);
      const { message } = expectError(answer, 421, 'misdirected_request');
      expect(message).toBe(
        `this status server does not answer to the Host ${host}; it answers to localhost, *.localhost, 127.0.0.1 (all of 127.0.0.0/8), [::1], with any port (a guard against DNS rebinding); to reach it by another name, add that name to http.allowedHosts (MPM_HTTP_ALLOWED_HOSTS), or set MPM_HTTP_TOKEN`,
      );
      expect(answer.headers.connection).toBe('close');
    }
    const head = await raw(address, 'HEAD /health HTTP/1.1\r\nHost: evil.example');
    expect(head.status).toBe(421);
    expect(head.data.endsWith('\r\n\r\n')).toBe(true);
  });

  it('answers the names of allowedHosts, with any port, and says that there are some without naming them', async () => {
    const address = await start({ allowedHosts: ['Status.Example.com', '[fd00::5]', 'my_app'] });
    for (const host of ['status.example.com', 'STATUS.example.com:443', '[fd00::5]:80', 'my_app:8766']) {
      expect({ host, status: (await withHost(address, host)).status }).toEqual({ host, status: 200 });
    }
    const { message } = expectError(await withHost(address, 'other.example.com'), 421, 'misdirected_request');
    expect(message).toContain('[::1], the names in http.allowedHosts, with any port');
    expect(message).not.toContain('status.example');
  });

  it('with a token, answers whatever the Host: the token is the defence', async () => {
    const address = await start({ token: 'tok-host' });
    expectError(await withHost(address, 'evil.example'), 401, 'unauthorized');
    expect((await fetchFrom(address, '/health', { headers: { host: 'evil.example', authorization: 'Bearer tok-host' } })).status).toBe(200);
  });

  it('on ::1, answers [::1] with the port, and refuses other names', async () => {
    const address = await start({ host: '::1' });
    expect(address.url).toBe(`http://[::1]:${address.port}`);
    expect((await fetchFrom(address, '/health')).status).toBe(200); // Host: [::1]:port
    expectError(await withHost(address, 'evil.example'), 421, 'misdirected_request');
  });

  it("on 0.0.0.0, also answers this machine's addresses and host name; on one address, that address only", async () => {
    const ip = nonLoopbackIPv4();
    const wildcard = await start({ host: '0.0.0.0' });
    for (const host of [`${ip}:${wildcard.port}`, hostname(), '0.0.0.0', 'localhost']) {
      expect({ host, status: (await withHost(wildcard, host)).status }).toEqual({ host, status: 200 });
    }
    expect(expectError(await withHost(wildcard, 'evil.example'), 421, 'misdirected_request').message).toContain("[::1], this machine's addresses and host name, with any port");

    const one = await start({ host: ip });
    expect((await withHost(one, `${ip}:${one.port}`)).status).toBe(200);
    expect(expectError(await withHost(one, `${hostname()}.evil.example`), 421, 'misdirected_request').message).toContain(`[::1], ${ip}, with any port`);
  });
});

describe('StatusServer: the Host header itself', () => {
  it('answers an HTTP/1.1 request without Host 400 in JSON, with or without a token; serves HTTP/1.0 without one', async () => {
    for (const token of [null, 'tok-none']) {
      const address = await start({ token });
      const missing = await raw(address, 'GET /health HTTP/1.1');
      expect(expectError(missing, 400, 'bad_request').message).toBe('an HTTP/1.1 request needs a Host header (RFC 9112), e.g. Host: localhost');
      expect(missing.headers.connection).toBe('close');
    }
    const address = await start();
    const old = await raw(address, 'GET /health HTTP/1.0');
    expect(old.status).toBe(200);
    expect(JSON.parse(old.body)).toEqual({ status: 'pass' });
  });

  it('answers two Host headers 400, even when both are right', async () => {
    const address = await start();
    for (const hosts of ['Host: localhost\r\nHost: localhost', 'Host: localhost\r\nHost: evil.example', 'Host: evil.example\r\nhost: localhost']) {
      expect(expectError(await raw(address, `GET /health HTTP/1.1\r\n${hosts}`), 400, 'bad_request').message).toBe('the request has 2 Host headers; HTTP allows one (RFC 9112)');
    }
  });

  it('answers a Host that is not a host 400', async () => {
    const address = await start();
    for (const host of ['', 'local host', 'localhost:http', 'localhost:99999', 'localhost:1:2', '::1', '[::1', '[zz::1]', 'user@localhost', 'localhost/x', 'local\\host']) {
      const answer = await raw(address, `GET /health HTTP/1.1\r\nHost: ${host}`);
      expect({ host, status: answer.status }).toEqual({ host, status: 400 });
      expect(expectError(answer, 400, 'bad_request').message).toMatch(/^the Host header ".*" is not a host name or address with an optional port$/);
    }
  });

  it('takes the host of an absolute-form target instead of Host (RFC 9112 §3.2.2), and only http:', async () => {
    const address = await start();
    expectError(await raw(address, 'GET http://evil.example/health HTTP/1.1\r\nHost: 127.0.0.1'), 421, 'misdirected_request');
    expect((await raw(address, `GET http://localhost:${address.port}/health HTTP/1.1\r\nHost: evil.example`)).status).toBe(200);
    expect((await raw(address, 'GET http://[::1]/health?x=1 HTTP/1.1\r\nHost: localhost')).status).toBe(200);
    for (const target of ['https://localhost/health', 'ftp://localhost/health']) {
      expect(expectError(await raw(address, `GET ${target} HTTP/1.1\r\nHost: localhost`), 400, 'bad_request').message).toBe('the request target is not a valid path');
    }
    // Node's parser takes no URL without "//" at all.
    expectError(await raw(address, 'GET mailto:health HTTP/1.1\r\nHost: localhost'), 400, 'bad_request');
  });
});

describe('StatusServer: notices of refused Hosts', () => {
  it('tells of the first at once, then of the rest once per window with a count, without flooding', async () => {
    const notices: ServerNotice[] = [];
    const address = await start({ onNotice: (notice) => notices.push(notice), limits: { noticeWindowMs: 1_000 } });
    const hosts = ['a.example', 'b.example', 'a.example', 'c.example', 'x'.repeat(300)];
    for (const host of hosts) expectError(await withHost(address, host), 421, 'misdirected_request');
    expect(notices[0]).toEqual({ kind: 'hosts_refused', first: true, count: 1, hosts: ['a.example'] });
    await waitUntil(() => notices.reduce((sum, notice) => sum + notice.count, 0) === hosts.length, { timeoutMs: 10_000, what: 'a notice for every refusal' });
    // However slow the machine: never one notice per request, and every Host shown is cut short.
    expect(notices.length).toBeLessThan(hosts.length);
    const shown = notices.flatMap((notice) => (notice.kind === 'hosts_refused' ? notice.hosts : []));
    expect(new Set(shown)).toEqual(new Set(['a.example', 'b.example', 'c.example', `${'x'.repeat(100)}…`]));
  });
});
