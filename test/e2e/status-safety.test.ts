import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { getJson, httpRequest } from '../helpers/http.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// The status server's safety rules (docs/design.md §6): loopback by default, a bearer token when
// set, no secret in any answer, JSON errors, and bad clients that cannot hurt the supervisor.

const ENDPOINTS = ['/health', '/health/live', '/health/ready', '/diagnostics', '/metrics', '/events'];
const DEADLINE_MS = 20_000;

const tempDirs: string[] = [];
const sockets: Socket[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-safety-'));
  tempDirs.push(dir);
  return dir;
}

const staysUp = (...args: string[]): string[] => ['--', 'node', fixturePath('stays-up.mjs'), ...args];

/**
 * Sends raw bytes on a connection of its own; resolves with all the server wrote before
 * it closed (a reset after the answer, as when the server stops reading a flood, is fine).
 */
function rawExchange(port: number, payload: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.write(payload);
  });
}

describe('the bearer token', () => {
  it('is required on every endpoint when MPM_HTTP_TOKEN is set, and accepted when right', async () => {
    const token = 'tok-4d1c9a-right';
    const supervisor = new SupervisorProcess(staysUp(), { env: { MPM_HTTP_TOKEN: token } });
    const listening = await supervisor.waitForEvent('status_server_listening');
    expect(listening).toMatchObject({ tokenRequired: true });
    const url = String(listening['url']);
    for (const path of [...ENDPOINTS, '/no-such-page']) {
      const missing = await httpRequest(`${url}${path}`);
      expect({ path, status: missing.status }).toEqual({ path, status: 401 });
      expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(JSON.parse(missing.body)).toEqual({ error: 'unauthorized', message: expect.stringContaining('Authorization: Bearer') });
      const wrong = await httpRequest(`${url}${path}`, { headers: { authorization: `Bearer ${token}x` } });
      expect({ path, status: wrong.status }).toEqual({ path, status: 401 });
    }
    for (const path of ENDPOINTS) {
      const right = await httpRequest(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      // /health and /health/ready may say 503 for a child without a port; never 401.
      const expected = path === '/health' || path === '/health/ready' ? [200, 503] : [200];
      expect({ path, status: right.status, expected: expected.includes(right.status) }).toEqual({ path, status: right.status, expected: true });
    }
    expect(supervisor.stdout).not.toContain(token);
  });
});

describe('/diagnostics', () => {
  it('shows the config, the child and its health, with no secret from the config, the arguments, the environment or the token', async () => {
    const dir = tempDir();
    const secrets = {
      token: 'tok-5521-never-shown',
      configEnv: 'pw-in-config-7731',
      configKey: 'key-in-config-8842',
      arg: 'arg-secret-9953',
      inherited: 'inherited-6610-secret',
      probePassword: 'probe-pw-4410',
    };
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        env: { DB_PASSWORD: secrets.configEnv, STRIPE_API_KEY: secrets.configKey, GREETING: 'visible-greeting' },
        health: { checkIntervalMs: 250, probeUrl: `http://probe:${secrets.probePassword}@127.0.0.1:1/?room=lobby` },
      }),
    );
    const supervisor = new SupervisorProcess(['--config', config, ...staysUp(`--token=${secrets.arg}`, '--verbose')], {
      env: { MPM_HTTP_TOKEN: secrets.token, SESSION_SECRET: secrets.inherited },
    });
    const url = await supervisor.statusUrl();
    const headers = { authorization: `Bearer ${secrets.token}` };
    // Wait for a round, so that the probe URL's message is in the answers too.
    await waitUntil(async () => (await getJson(`${url}/diagnostics`, headers)).body['health'] !== undefined && JSON.stringify((await getJson(`${url}/health`, headers)).body).includes('lobby'), {
      timeoutMs: DEADLINE_MS,
      what: 'a health round against the probe URL',
    });

    const diagnostics = await getJson<Record<string, Record<string, unknown>>>(`${url}/diagnostics`, headers);
    expect(diagnostics.status).toBe(200);
    expect(diagnostics.body['child']).toMatchObject({
      command: 'node',
      args: [fixturePath('stays-up.mjs'), '--token=[redacted]', '--verbose'],
      addedEnv: { DB_PASSWORD: '[redacted]', STRIPE_API_KEY: '[redacted]', GREETING: 'visible-greeting' },
      state: 'running',
      restarts: 0,
    });
    expect(diagnostics.body['config']).toMatchObject({ http: { token: '[redacted]' } });
    expect(diagnostics.body['supervisor']).toMatchObject({ pid: supervisor.pid, statusServer: url });
    expect(diagnostics.body['versions']).toMatchObject({ node: process.versions.node });
    expect(diagnostics.body['health']).toMatchObject({ latest: expect.any(Object), aggregates: expect.any(Array), checkers: expect.any(Array) });
    expect(diagnostics.body['breaker']).toMatchObject({ state: 'closed', opensTotal: 0 });

    for (const path of ENDPOINTS) {
      const { body } = await httpRequest(`${url}${path}`, { headers });
      for (const [what, secret] of Object.entries(secrets)) expect({ path, what, leaked: body.includes(secret) }).toEqual({ path, what, leaked: false });
    }
  });
});

describe('bad requests', () => {
  it('get JSON errors: 404 for an unknown path, 405 for a wrong method', async () => {
    const supervisor = new SupervisorProcess(staysUp());
    const url = await supervisor.statusUrl();
    const missing = await httpRequest(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/json/);
    expect(missing.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(missing.body)).toEqual({ error: 'not_found', message: expect.stringContaining('/health') });
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const wrong = await httpRequest(`${url}/health`, { method, body: '{"x":1}', headers: { 'content-type': 'application/json' } });
      expect(wrong.status).toBe(405);
      expect(wrong.headers['allow']).toBe('GET, HEAD');
      expect(JSON.parse(wrong.body)).toEqual({ error: 'method_not_allowed', message: expect.stringContaining(method) });
    }
    for (const path of ENDPOINTS) expect((await httpRequest(`${url}${path}`)).headers['cache-control']).toBe('no-store');
  });

  it('garbage, oversized headers and slow or idle clients never crash or stall the supervisor', async () => {
    const supervisor = new SupervisorProcess(staysUp());
    const url = await supervisor.statusUrl();
    const port = Number(new URL(url).port);

    expect(await rawExchange(port, '\x00\x01\x02 hello\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 [^]*"error": ?"bad_request"/);
    expect(await rawExchange(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawExchange(port, Buffer.from([0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]))).toMatch(/^HTTP\/1\.1 400 /);

    // Slow and idle clients hold connections; the supervisor keeps answering the others.
    for (let i = 0; i < 20; i += 1) {
      const idle = connect(port, '127.0.0.1');
      idle.on('error', () => undefined);
      sockets.push(idle);
    }
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => undefined);
    sockets.push(slow);
    let told = '';
    slow.setEncoding('utf8').on('data', (chunk: string) => (told += chunk));
    const cutOff = new Promise((resolve) => slow.once('close', resolve));
    slow.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect((await httpRequest(`${url}/health/live`)).status).toBe(200);
    // The slow one is cut off by the header timeout instead of holding its connection for ever.
    await cutOff;
    expect(told).toMatch(/^HTTP\/1\.1 408 /);

    expect((await httpRequest(`${url}/health/live`)).status).toBe(200);
    expect(supervisor.process.exitCode).toBeNull();
    expect(supervisor.events('child_spawned')).toHaveLength(1);
    expect(supervisor.records.filter((record) => record.level === 'error')).toEqual([]);
  });
});

describe('binding', () => {
  it('a port already in use is a one-line error and exit 78, with no child started', async () => {
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const supervisor = new SupervisorProcess(['--http-port', String(port), ...staysUp()]);
    expect(await supervisor.waitForExit()).toEqual({ code: 78, signal: null });
    expect(supervisor.stderr).toBe(`mpm-supervise: the status server cannot listen on 127.0.0.1:${port}: the port is in use (choose another with --http-port, or 0 for any free port)\n`);
    expect(supervisor.events('child_spawned')).toEqual([]);
  });

  it('refuses a non-loopback address without a token (exit 78), and allows it with --http-insecure or a token', async () => {
    const refused = new SupervisorProcess(['--http-host', '0.0.0.0', ...staysUp()]);
    expect(await refused.waitForExit()).toEqual({ code: 78, signal: null });
    expect(refused.stderr).toMatch(/^mpm-supervise: refusing to serve the status server on 0\.0\.0\.0 without a token.*MPM_HTTP_TOKEN.*--http-insecure[^\n]*\n$/);
    expect(refused.events('child_spawned')).toEqual([]);

    const insecure = new SupervisorProcess(['--http-host', '0.0.0.0', '--http-insecure', ...staysUp()]);
    const warning = await insecure.waitForEvent('status_server_insecure');
    expect(warning).toMatchObject({ level: 'warn' });
    const port = Number((await insecure.waitForEvent('status_server_listening'))['port']);
    expect((await httpRequest(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);

    const withToken = new SupervisorProcess(['--http-host', '0.0.0.0', ...staysUp()], { env: { MPM_HTTP_TOKEN: 'tok-bind' } });
    await withToken.waitForEvent('status_server_listening');
    expect(withToken.events('status_server_insecure')).toEqual([]);
  });
});

describe('the state file', () => {
  it('names the pid and the status address while the supervisor runs, and is gone after it stops', async () => {
    const dir = tempDir();
    const supervisor = new SupervisorProcess(['--state-dir', dir, '--name', 'chat', ...staysUp()]);
    const listening = await supervisor.waitForEvent('status_server_listening');
    const file = join(dir, 'chat.json');
    expect(listening['stateFile']).toBe(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      name: 'chat',
      pid: supervisor.pid,
      http: { url: listening['url'], host: '127.0.0.1', port: listening['port'], tokenRequired: false },
      command: ['node', fixturePath('stays-up.mjs')],
    });
    await supervisor.waitForEvent('child_spawned');
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    expect(existsSync(file)).toBe(false);
  });

  it('is still written, without an address, when the status server is off', async () => {
    const dir = tempDir();
    const supervisor = new SupervisorProcess(['--state-dir', dir, '--name', 'quiet', ...staysUp()], { env: { MPM_HTTP_ENABLED: 'false' } });
    await supervisor.waitForEvent('status_server_disabled');
    expect(JSON.parse(readFileSync(join(dir, 'quiet.json'), 'utf8'))).toMatchObject({ name: 'quiet', pid: supervisor.pid, http: null });
  });
});
