import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { getJson, httpRequest } from '../helpers/http.js';
import { killQuietly } from '../helpers/processes.js';
import { merge, type Json } from '../helpers/records.js';
import { demoServerPath, destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// The status server (docs/design.md §6) as systemd, Kubernetes, Prometheus and a person with curl
// see it: a real supervisor over a real child, asked over real HTTP on 127.0.0.1.

/** Quick checks and recovery, so that each state is reached in a few seconds. */
const QUICK: Json = {
  child: { killTimeoutMs: '1s', restartDelayMs: 100 },
  health: { checkIntervalMs: 450, probeTimeoutMs: 450, failureThreshold: 2 },
  recovery: { minActionIntervalMs: 800, verifyTimeoutMs: '3s', failureWindowMs: '1m' },
};

// Bounds waits on a slow machine; it is not how long anything takes.
const DEADLINE_MS = 20_000;

const tempDirs: string[] = [];

afterEach(async () => {
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-status-'));
  tempDirs.push(dir);
  return dir;
}

function supervise(
  command: readonly string[],
  { over = {}, env = {}, args = [] }: { over?: Json; env?: NodeJS.ProcessEnv; args?: readonly string[] } = {},
): { supervisor: SupervisorProcess; dir: string } {
  const dir = tempDir();
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(merge(QUICK, over)));
  return { supervisor: new SupervisorProcess(['--config', config, ...args, '--', ...command], { env }), dir };
}

type HealthBody = {
  status: string;
  output?: string;
  checks: Record<string, Array<{ status: string; observedValue: unknown; observedUnit: string; time: string; output?: string }>>;
  child: { pid: number | null; state: string; restarts: number; uptimeSeconds: number | null };
  breaker: { state: string; reason: string | null; until: string | null };
};

const health = (url: string) => getJson<HealthBody>(`${url}/health`);
const ready = (url: string) => getJson<{ ready: boolean; status: string; output: string }>(`${url}/health/ready`);

/** Polls /health until `accept` holds; returns that answer. */
async function healthUntil(url: string, accept: (answer: { status: number; body: HealthBody }) => boolean, what: string): Promise<{ status: number; body: HealthBody }> {
  let last: { status: number; body: HealthBody } | undefined;
  await waitUntil(
    async () => {
      last = await health(url);
      return accept(last);
    },
    { timeoutMs: DEADLINE_MS, intervalMs: 100, what: `${what}; last /health: ${JSON.stringify(last?.body)}` },
  );
  return last!;
}

/** One sample line's value from the Prometheus text, e.g. `mpm_child_up` or `mpm_health_status{check="overall"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/health and /health/ready', () => {
  it('say starting (200 warn, not ready) while the child has not answered yet', async () => {
    const { supervisor } = supervise(['node', demoServerPath], { env: { DEMO_NO_LISTEN: '1' }, args: ['--port', '1'] });
    const url = await supervisor.statusUrl();
    await supervisor.waitForEvent('child_spawned');
    const { status, body } = await healthUntil(url, ({ body }) => body.child.state === 'running' && /starting/.test(body.output ?? ''), 'a starting child');
    expect(status).toBe(200);
    expect(body.status).toBe('warn');
    const answer = await ready(url);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ ready: false, status: 'fail', output: expect.stringMatching(/starting/) });
  });

  it('fail with 503 while the child hangs, and pass for a healthy child after a restart', async () => {
    const dir = tempDir();
    const env = { START_COUNT_FILE: join(dir, 'starts'), FAULTS_ONCE: JSON.stringify({ DEMO_BLOCK_AFTER_MS: '1500' }) };
    // Recovery off, so that the hung child stays hung while it is looked at.
    const { supervisor } = supervise(['node', fixturePath('demo-faulty-once.mjs')], { env, args: ['--port', '0', '--no-recovery'] });
    const url = await supervisor.statusUrl();

    // Hung: the process runs, the port accepts, Socket.IO and IPC do not answer.
    const hung = await healthUntil(url, ({ status }) => status === 503, 'the hung child to fail /health');
    expect(hung.body).toMatchObject({ status: 'fail', child: { state: 'running', restarts: 0 }, breaker: { state: 'closed' } });
    expect(hung.body.output).toMatch(/Socket\.IO .* is not answering|did not answer an IPC ping/);
    await healthUntil(url, ({ body }) => body.checks['socketio:socketioLatencyMs']?.[0]?.status === 'fail', 'the Socket.IO check to fail');
    const { body } = await health(url);
    expect(body.checks['socketio:socketioLatencyMs']?.[0]).toMatchObject({ status: 'fail', observedValue: null, observedUnit: 'ms', output: expect.stringMatching(/not answering/) });
    // The kernel still accepts on the hung child's port: TCP answers (a loaded machine may read it slow, never failed).
    expect(body.checks['network:tcpLatencyMs']?.[0]).toMatchObject({ status: expect.stringMatching(/^(pass|warn)$/), observedValue: expect.any(Number), observedUnit: 'ms' });
    expect(await ready(url)).toMatchObject({ status: 503, body: { ready: false, status: 'fail' } });
    // What recovery would have done is still on record.
    const events = await getJson<{ events: Array<{ action: string; failureClass: string; result: string; skip?: string }> }>(`${url}/events`);
    expect(events.body.events.at(-1)).toMatchObject({ action: 'emergency_stop', failureClass: 'hung', result: 'skipped', skip: 'disabled' });

    // SIGUSR2 restarts it; the new child starts clean and passes every check.
    const hungPid = body.child.pid;
    supervisor.signal('SIGUSR2');
    // Every check passes once the new child has settled. A single latency reading on a loaded
    // machine may cross its warning line for a round, so this waits for the condition rather
    // than judging the first round that reads the overall status as passing.
    const keys = ['process:processState', 'process:cpuPercent', 'process:memoryMb', 'process:openFds', 'network:tcpLatencyMs', 'socketio:socketioLatencyMs', 'service:clients'];
    const healthy = await healthUntil(
      url,
      ({ body }) => body.status === 'pass' && body.child.restarts === 1 && keys.every((key) => body.checks[key]?.[0]?.status === 'pass'),
      'the restarted child to pass every check',
    );
    expect(healthy.status).toBe(200);
    expect(healthy.body.child.pid).not.toBe(hungPid);
    expect(healthy.body.output).toBeUndefined();
    for (const key of keys) {
      expect({ key, entry: healthy.body.checks[key]?.[0] }).toMatchObject({ key, entry: { status: 'pass', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    }
    expect(typeof healthy.body.checks['process:memoryMb']?.[0]?.observedValue).toBe('number');
    expect(await ready(url)).toMatchObject({ status: 200, body: { ready: true, status: 'pass' } });
  });

  it('fail with 503 while the breaker is open, and say so: since when, why, until when', async () => {
    const over = { recovery: { circuitBreaker: { failureThreshold: 2, timeoutMs: '5m', successThreshold: 1, maxOpenCycles: 3 } } };
    const { supervisor } = supervise(['node', demoServerPath], { over, env: { DEMO_EXIT_AT_START: '3' }, args: ['--port', '0'] });
    const url = await supervisor.statusUrl();
    const open = await healthUntil(url, ({ body }) => body.breaker.state === 'open', 'the breaker to open');
    expect(open.status).toBe(503);
    expect(open.body.status).toBe('fail');
    expect(open.body.output).toMatch(/^the child exited \(code 3 after [\d.]+ s\) and has not been respawned; circuit breaker open since \S+Z \(.+\); recovery resumes at \S+Z$/);
    expect(open.body.breaker.reason).toEqual(expect.any(String));
    expect(Date.parse(open.body.breaker.until!)).toBeGreaterThan(Date.now() + 60_000);
    expect(open.body.child).toMatchObject({ pid: null, state: 'exited' });
    expect((await ready(url)).status).toBe(503);

    const metrics = (await httpRequest(`${url}/metrics`)).body;
    expect(sample(metrics, 'mpm_circuit_breaker_state')).toBe(2);
    expect(sample(metrics, 'mpm_child_up')).toBe(0);
    expect(sample(metrics, 'mpm_health_status{check="overall"}')).toBe(3);
    const events = await getJson<{ events: Array<{ id: number; failureClass: string; result: string }> }>(`${url}/events`);
    const ids = events.body.events.map((event) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(events.body.events.at(-1)).toMatchObject({ failureClass: 'crashed', result: 'blocked' });
  });
});

describe('/metrics', () => {
  it('passes promtool check metrics, and mpm_child_restarts_total follows a restart', async () => {
    const { supervisor } = supervise(['node', demoServerPath], { args: ['--port', '0'] });
    const url = await supervisor.statusUrl();
    await healthUntil(url, ({ body }) => body.status === 'pass', 'a healthy child');
    // A round can pass on its probes before the agent's first IPC answer brings its figures.
    let answer = await httpRequest(`${url}/metrics`);
    await waitUntil(
      async () => {
        answer = await httpRequest(`${url}/metrics`);
        return !Number.isNaN(sample(answer.body, 'mpm_socketio_clients'));
      },
      { what: "the agent's client count in /metrics", intervalMs: 100 },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: answer.body, encoding: 'utf8' });
    if (promtool.error !== undefined) throw new Error(`promtool is needed (Debian package prometheus; .ci/run installs it): ${promtool.error.message}`);
    expect({ status: promtool.status, output: `${promtool.stdout}${promtool.stderr}` }).toEqual({ status: 0, output: '' });

    const text = answer.body;
    for (const name of [
      'mpm_child_up',
      'mpm_child_restarts_total',
      'mpm_child_cpu_percent',
      'mpm_child_memory_rss_bytes',
      'mpm_child_open_fds',
      'mpm_child_threads',
      'mpm_health_status',
      'mpm_probe_duration_seconds',
      'mpm_recovery_actions_total',
      'mpm_circuit_breaker_state',
      'mpm_socketio_clients',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(sample(text, 'mpm_child_up')).toBe(1);
    expect(sample(text, 'mpm_child_restarts_total')).toBe(0);
    expect(sample(text, 'mpm_child_memory_rss_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(sample(text, 'mpm_health_status{check="overall"}')).toBe(0);
    expect(sample(text, 'mpm_socketio_clients')).toBe(0);
    expect(text).toMatch(/^mpm_probe_duration_seconds_count\{probe="socketio"\} [1-9]/m);

    const { body } = await health(url);
    killQuietly(body.child.pid!);
    await waitUntil(
      async () => {
        const after = (await httpRequest(`${url}/metrics`)).body;
        return sample(after, 'mpm_child_restarts_total') === 1 && sample(after, 'mpm_child_up') === 1;
      },
      { timeoutMs: DEADLINE_MS, intervalMs: 100, what: 'mpm_child_restarts_total 1 with a new child up' },
    );
  });
});
