import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../helpers/cli-run.js';
import { getJson, httpRequest } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { expectAllGone } from '../helpers/processes.js';
import { demoServerPath, destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// User-defined checks (health.custom, issue 21) in the real supervisor over the demo
// server: an http check against a server here that turns 503 and back, an exec check that
// prints a number, a socketio check the demo server acks, a tcp check to a closed port and
// the example module; as the log, /health, /metrics and `status --json` show them.

const diskFree = fileURLToPath(new URL('../../examples/checks/disk-free.mjs', import.meta.url));
/** Fast rounds: the http check goes critical in two of them. */
const QUICK = { checkIntervalMs: 500, probeTimeoutMs: 500, failureThreshold: 2 };
/** A row of `status --json`, as far as the assertions walk into it. */
type StatusRow = Record<string, unknown> & { diagnostics?: { recovery?: unknown; health?: { checkers?: unknown } } };

let dir: string;
const servers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-custom-checks-'));
});

afterEach(async () => {
  await destroyAllSupervisors();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  rmSync(dir, { recursive: true, force: true });
});

/** An HTTP server on 127.0.0.1 whose answer the test flips: 200 `{"status":"ok"}` or 503. */
async function dependency(): Promise<{ url: string; setDown(down: boolean): void }> {
  let down = false;
  const server = createServer((_req, res) => {
    if (down) res.writeHead(503).end('{"status":"down"}');
    else res.end('{"status":"ok"}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, setDown: (value) => (down = value) };
}

function writeConfig(content: unknown): string {
  const file = join(dir, 'mpm.json');
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

type Check = { componentType: string; observedValue: unknown; observedUnit: string; status: string; output?: string };

async function healthChecks(url: string): Promise<Record<string, Check>> {
  const { body } = await getJson<{ checks: Record<string, Check[]> }>(`${url}/health`);
  return Object.fromEntries(Object.entries(body.checks).map(([name, [entry]]) => [name, entry as Check]));
}

async function metricsText(url: string): Promise<string> {
  return (await httpRequest(`${url}/metrics`)).body;
}

const checkChanged =
  (check: string, to: string, from = 0) =>
  (supervisor: SupervisorProcess) =>
    supervisor.waitForRecord((record) => record['event'] === 'check_changed' && record['check'] === check && record['to'] === to, { from, what: `check ${check} to turn ${to}` });

const at = (supervisor: SupervisorProcess, record: LogRecord): number => supervisor.records.indexOf(record);

describe('user-defined checks', () => {
  it('run beside the built-in ones; a failing http check goes critical after its failureThreshold, recovery climbs no higher than its maxAction, and it recovers', async () => {
    const api = await dependency();
    const closed = await freePort();
    const config = writeConfig({
      health: {
        ...QUICK,
        custom: [
          { name: 'api', type: 'http', url: api.url, bodyContains: '"ok"', failureThreshold: 2, maxAction: 'clear_connections' },
          { name: 'queue', type: 'exec', command: [fixturePath('checks/print-number.sh'), '42'], unit: 'jobs', thresholds: { warning: 100, critical: 200 } },
          { name: 'echo', type: 'socketio', event: 'status', expect: { ok: true } },
          { name: 'redis', type: 'tcp', port: closed },
          { name: 'disk', type: 'module', module: diskFree, options: { path: dir }, thresholds: { warning: 0.002, critical: 0.001 } },
        ],
      },
      recovery: { minActionIntervalMs: 500 },
    });
    const supervisor = new SupervisorProcess(['--config', config, '--port', '0', '--', 'node', demoServerPath]);
    const url = await supervisor.statusUrl();

    // The closed port: a dependency down, logged once as check_failed and nothing more.
    const redisDown = await checkChanged('redis', 'critical')(supervisor);
    // (Already critical when the child turns ready, if its breaches ran up while it started.)
    expect(redisDown.message).toMatch(new RegExp(`^user-defined check (warning → )?critical: redis: no TCP connection to 127\\.0\\.0\\.1:${closed}: connection refused$`));
    const logged = await supervisor.waitForRecord((record) => record['event'] === 'recovery' && record['failureClass'] === 'check_failed', { what: 'the decision on redis' });
    expect(logged).toMatchObject({ action: 'log_warning', result: 'succeeded', thresholds: ['redis'], detail: 'logged; log_warning is as far as redis may escalate, so nothing is done to the child' });

    // Everything else measured, in /health as in /metrics (a round on a loaded machine may miss one).
    let checks: Record<string, Check> = {};
    await waitUntil(
      async () => {
        checks = await healthChecks(url);
        return ['api:api', 'queue:queue', 'echo:echo', 'disk:disk.freeGb'].every((name) => checks[name]?.status === 'pass');
      },
      { what: 'every check but the closed port to pass in /health' },
    );
    expect(checks['api:api']).toMatchObject({ componentType: 'component', status: 'pass', observedUnit: 'ms', observedValue: expect.any(Number) });
    expect(checks['queue:queue']).toMatchObject({ status: 'pass', observedValue: 42, observedUnit: 'jobs' });
    expect(checks['echo:echo']).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    expect(checks['redis:redis']).toMatchObject({ status: 'fail', observedValue: null, output: `redis: no TCP connection to 127.0.0.1:${closed}: connection refused` });
    expect(checks['disk:disk.freeGb']).toMatchObject({ status: 'pass', observedUnit: 'GiB', observedValue: expect.any(Number) });
    const metrics = await metricsText(url);
    expect(metrics).toMatch(/^mpm_check_value\{check="queue",unit="jobs"\} 42$/m);
    expect(metrics).toMatch(/^mpm_health_status\{check="api"\} 0$/m);
    expect(metrics).toMatch(/^mpm_health_status\{check="redis"\} 3$/m);

    // The dependency answers 503: a warning on the way, critical at the second round in a row.
    api.setDown(true);
    const failing = await checkChanged('api', 'critical', supervisor.records.length)(supervisor);
    expect(failing.message).toBe(`user-defined check warning → critical: api: HTTP 503 from ${api.url} (expected 200–399)`);
    const onItsWay = supervisor.events('check_changed').find((record) => record['check'] === 'api' && record['to'] === 'warning');
    expect(onItsWay?.message).toBe(`user-defined check healthy → warning: api: HTTP 503 from ${api.url} (expected 200–399) (1 of 2 in a row before critical)`);
    // Recovery climbs to the check's maxAction, clear_connections, and never past it.
    const cleared = await supervisor.waitForRecord((record) => record['event'] === 'recovery_started' && record['failureClass'] === 'check_failed', {
      from: at(supervisor, failing),
      what: 'an action for the failing check',
    });
    expect(cleared).toMatchObject({ action: 'clear_connections', thresholds: expect.arrayContaining(['api']) });
    const down = await healthChecks(url);
    expect(down['api:api']).toMatchObject({ status: 'fail', output: `api: HTTP 503 from ${api.url} (expected 200–399)` });
    expect(await metricsText(url)).toMatch(/^mpm_health_status\{check="api"\} 3$/m);
    const stateDir = supervisor.stateDir as string;
    const whileDown = JSON.parse((await runCli(['status', '--json'], { env: { MPM_STATE_DIR: stateDir } })).stdout) as StatusRow[];
    expect(whileDown[0]?.['health']).toMatchObject({ status: 'critical', worst: { name: 'api', status: 'critical' } });
    // The action is under way, waiting to see the check healthy again.
    expect(whileDown[0]?.['diagnostics']?.['recovery']).toMatchObject({ busy: true });
    expect(whileDown[0]?.['diagnostics']?.['health']?.['checkers']).toContainEqual(expect.objectContaining({ name: 'api', status: 'critical', userDefined: true }));

    // It answers again: healthy, and the action that was waiting for it has worked.
    api.setDown(false);
    const recovered = await checkChanged('api', 'healthy', at(supervisor, failing))(supervisor);
    expect(recovered.message).toMatch(new RegExp(`^user-defined check critical → healthy: api: HTTP 200 from ${api.url.replaceAll('.', '\\.')} with "\\\\"ok\\\\"" in [\\d.]+ ms$`));
    const verdict = await supervisor.waitForRecord((record) => record['event'] === 'recovery' && record['id'] === cleared['id'], { what: 'the verdict on clear_connections' });
    expect(verdict).toMatchObject({ action: 'clear_connections', result: 'succeeded' });
    expect((await healthChecks(url))['api:api']?.status).toBe('pass');
    const afterwards = JSON.parse((await runCli(['status', '--json'], { env: { MPM_STATE_DIR: stateDir } })).stdout) as StatusRow[];
    expect(afterwards[0]?.['health']).toMatchObject({ worst: { name: 'redis' } });
    expect(afterwards[0]?.['lastRecovery']).toMatchObject({ action: 'clear_connections', result: 'succeeded', failureClass: 'check_failed' });
    // Nothing above the ceilings, and the child was never replaced.
    const actions = supervisor.events('recovery_started').map((record) => record['action']);
    expect(actions.every((action) => action === 'clear_connections')).toBe(true);
    expect(supervisor.events('child_spawned')).toHaveLength(1);

    // A reload that drops the closed port's check applies at once: the child is healthy.
    const from = supervisor.records.length;
    writeConfig({
      health: { ...QUICK, custom: [{ name: 'api', type: 'http', url: api.url, bodyContains: '"ok"', failureThreshold: 2, maxAction: 'clear_connections' }] },
      recovery: { minActionIntervalMs: 500 },
    });
    supervisor.signal('SIGHUP');
    const reloaded = await supervisor.waitForEvent('config_reloaded', { from });
    expect(reloaded.message).toMatch(/^config reloaded: health\.custom \[api, queue, echo, redis, disk\] → \[api\]/);
    await supervisor.waitForRecord((record) => record['event'] === 'health_changed' && record['to'] === 'healthy', { from, what: 'the child healthy without the dropped checks' });
    expect(Object.keys(await healthChecks(url)).filter((name) => !/^(process|network|socketio|service):/.test(name))).toEqual(['api:api']);

    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone(supervisor.childPids());
  });

  it.each([
    ['an exec check whose program is not there', { name: 'db', type: 'exec', command: ['no-such-check-program', '-q'] }, 'command "no-such-check-program" was not found on PATH'],
    [
      'a module that throws when it is imported',
      { name: 'db', type: 'module', module: fixturePath('checks/throws-on-import.mjs') },
      `${fixturePath('checks/throws-on-import.mjs')} could not be loaded: DATABASE_URL is not set`,
    ],
  ])('refuse to start with %s: exit 78, one line, no stack trace; config validate says the same', async (_, check, problem) => {
    const config = writeConfig({ health: { custom: [check] } });
    const supervisor = new SupervisorProcess(['--config', config, '--', 'node', demoServerPath]);
    expect(await supervisor.waitForExit()).toEqual({ code: 78, signal: null });
    expect(supervisor.stderr).toBe(`mpm-supervise: ${config}:3:15: health.custom[0] (db): ${problem}\n`);
    expect(supervisor.childPids()).toEqual([]);
    const validate = await runCli(['config', 'validate', '--config', config]);
    expect(validate.code).toBe(78);
    expect(validate.stdout).toBe(`error: ${config}:3:15: health.custom[0] (db): ${problem}\n${config}: invalid: 1 error, 0 warnings\n`);
  });
});
