import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { TestBrowser } from '../helpers/browser.js';
import { ConnectionFlood } from '../helpers/flood.js';
import { httpRequest, type HttpAnswer } from '../helpers/http.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// What hostile clients can do to the status server of a real supervisor: a web page whose
// name rebinds to 127.0.0.1, clients that hold every connection, requests without a Host.

const PAGES = ['/', '/diagnostics', '/history', '/metrics', '/events', '/stream', '/health', '/health/live', '/health/ready'];
// Bounds waits on a slow machine; it is not how long anything takes.
const DEADLINE_MS = 20_000;

const floods: ConnectionFlood[] = [];
const sockets: Socket[] = [];
const browsers: TestBrowser[] = [];

afterEach(async () => {
  await Promise.all(floods.splice(0).map((flood) => flood.stop()));
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const browser of browsers.splice(0)) await browser.close();
  await destroyAllSupervisors();
});

const staysUp = ['--', 'node', fixturePath('stays-up.mjs')];

async function start(env: NodeJS.ProcessEnv = {}): Promise<{ supervisor: SupervisorProcess; url: string; port: number }> {
  const supervisor = new SupervisorProcess(staysUp, { env });
  const url = await supervisor.statusUrl();
  return { supervisor, url, port: Number(new URL(url).port) };
}

/** A GET with the given Host; /stream is asked with HEAD so that a served stream does not stay open. */
function withHost(url: string, path: string, host: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return httpRequest(`${url}${path}`, { method: path === '/stream' ? 'HEAD' : 'GET', headers: { host, ...headers } });
}

/** Sends raw bytes on a connection of its own; resolves with all the server wrote before it closed. */
function rawExchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.write(payload);
  });
}

function jsonBodyOf(raw: string): unknown {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

describe('DNS rebinding', () => {
  it('a page on a name that resolves to 127.0.0.1 cannot read the status server (real Chromium)', async () => {
    const { url, port } = await start();
    const browser = await TestBrowser.launch({ extraArgs: ['--host-resolver-rules=MAP evil.example 127.0.0.1'] });
    browsers.push(browser);
    const page = await browser.page();
    // Where the attacker's page ends up once its name points at this machine: same origin as the status server.
    const landing = await page.goto(`http://evil.example:${port}/health/live`);
    expect(landing?.status()).toBe(421);
    const read = await page.evaluate(async () => {
      const answer = await fetch('/diagnostics');
      return { status: answer.status, body: await answer.text() };
    });
    expect(read.status).toBe(421);
    expect(JSON.parse(read.body)).toEqual({ error: 'misdirected_request', message: expect.stringContaining('evil.example') });
    expect(read.body).not.toContain('"supervisor"');
    // The operator's own browser, on the real address, is served as before.
    expect((await page.goto(`${url}/health/live`))?.status()).toBe(200);
  });

  it('without a token, a Host that does not name this server gets 421 on every page, logged once; loopback names and http.allowedHosts are served', async () => {
    const { supervisor, url, port } = await start({ MPM_HTTP_ALLOWED_HOSTS: '["status.internal.example"]' });
    for (const path of PAGES) {
      const answer = await withHost(url, path, `evil.example:${port}`);
      expect({ path, status: answer.status }).toEqual({ path, status: 421 });
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      if (path !== '/stream') {
        const body = JSON.parse(answer.body) as { error: string; message: string };
        expect(body.error).toBe('misdirected_request');
        expect(body.message).toMatch(/^this status server does not answer to the Host evil\.example:\d+; it answers to localhost.*http\.allowedHosts.*MPM_HTTP_TOKEN/);
      }
    }
    for (const host of [`localhost:${port}`, 'LOCALHOST', `dashboard.localhost:${port}`, `127.0.0.1:${port}`, '127.0.0.2', `[::1]:${port}`, 'status.internal.example:443']) {
      expect({ host, status: (await withHost(url, '/health/live', host)).status }).toEqual({ host, status: 200 });
    }
    const refusals = supervisor.events('status_server_host_refused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 'warn', count: 1, hosts: [`evil.example:${port}`] });
  });

  it('with a token the Host is not checked: the token is the defence', async () => {
    const { url } = await start({ MPM_HTTP_TOKEN: 'tok-rebind-2231' });
    expect((await withHost(url, '/diagnostics', 'evil.example')).status).toBe(401);
    expect((await withHost(url, '/diagnostics', 'evil.example', { authorization: 'Bearer tok-rebind-2231' })).status).toBe(200);
  });
});

describe('connection starvation', () => {
  it('64 idle and 64 slowloris connections do not keep GET /health/live from answering', async () => {
    const { supervisor, url, port } = await start();
    const idle = new ConnectionFlood({ host: '127.0.0.1', port, kind: 'idle', connections: 64 });
    const slow = new ConnectionFlood({ host: '127.0.0.1', port, kind: 'slowloris', connections: 64, trickleMs: 300 });
    floods.push(idle, slow);
    await Promise.all([idle.start(), slow.start()]);

    const attempt = (): Promise<string> =>
      httpRequest(`${url}/health/live`, { timeoutMs: 5_000 }).then(
        (answer) => String(answer.status),
        (error: Error) => error.message,
      );
    // A probe tries again once at once, as a kubelet's next period would: in the storm the
    // evicted attackers make (each reconnect takes the oldest idle slot), a probe's new
    // connection is, rarely, shed before its request arrives, when nothing tells it from
    // theirs. What must never happen is a probe that is not answered.
    const probes: Array<{ first: string; second?: string }> = [];
    const attackUntil = Date.now() + 8_000;
    while (Date.now() < attackUntil || probes.length < 8) {
      const first = await attempt();
      probes.push(first === '200' ? { first } : { first, second: await attempt() });
      // Let the attackers move on (reconnect, trickle) before the next attempt.
      const churned = idle.opened + slow.opened;
      await waitUntil(() => idle.opened + slow.opened > churned, { timeoutMs: DEADLINE_MS, what: 'the attackers to reconnect' });
    }
    expect(probes.filter((probe) => (probe.second ?? probe.first) !== '200')).toEqual([]);
    // Shed connections only (never a timeout or another status), and few: before the guard, 1 of 367 was answered.
    const retried = probes.filter((probe) => probe.second !== undefined);
    expect(retried.filter((probe) => !/^(socket hang up|read ECONNRESET)$/.test(probe.first))).toEqual([]);
    expect(retried.length).toBeLessThanOrEqual(probes.length / 20);
    expect(idle.closedByServer).toBeGreaterThan(0);
    expect(slow.closedByServer).toBeGreaterThan(0);

    await Promise.all([idle.stop(), slow.stop()]);
    expect(idle.size + slow.size).toBe(0);
    // One warning for the whole attack (then one a minute while it lasts), not one per connection.
    const warnings = supervisor.events('status_server_connection_limit');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', count: 1, peers: ['127.0.0.1'] });
    expect(supervisor.process.exitCode).toBeNull();
  });
});

describe('requests without a Host', () => {
  it('HTTP/1.1 without Host gets a JSON 400; HTTP/1.0 without Host is served', async () => {
    const { port } = await start();
    const missing = await rawExchange(port, 'GET /health HTTP/1.1\r\n\r\n');
    expect(missing).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*Content-Type: application\/json; charset=utf-8\r\n/);
    expect(jsonBodyOf(missing)).toEqual({ error: 'bad_request', message: 'an HTTP/1.1 request needs a Host header (RFC 9112), e.g. Host: localhost' });
    const old = await rawExchange(port, 'GET /health/live HTTP/1.0\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(jsonBodyOf(old)).toMatchObject({ status: 'pass' });
  });
});
