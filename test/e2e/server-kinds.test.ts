import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { getJson } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { at, childLine } from '../helpers/records.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';

// Servers that are not the demo server (test/fixtures/servers/): another Socket.IO
// implementation, another path, HTTPS with a self-signed certificate, IPv6 only, and no
// Socket.IO at all. A probe that gets an answer that is not Socket.IO, or none before it
// ever worked, is a setup to be told about (one `probe_mismatch` warning, the metric not
// measured), never a failure: the child is watched for ROUNDS rounds and must be untouched.

/** Rounds watched after the verdict: at failureThreshold 2, a failing probe would have killed the child long before. */
const ROUNDS = 6;
// Bounds waits on a slow machine; it is not how long anything takes.
const DEADLINE_MS = 20_000;
const PYTHON = '/usr/bin/python3';
const server = (name: string): string => fixturePath(`servers/${name}`);
const CA_FILE = server('tls/ca.pem');

/** Records that mean something was done to the child. */
const TOUCHED = new Set(['child_stopping', 'child_exited', 'recovery_started']);

interface Check {
  readonly status: string;
  readonly output?: string;
}
interface HealthBody {
  readonly status: string;
  readonly output?: string;
  readonly checks: Readonly<Record<string, readonly Check[]>>;
}

// Each supervisor, its child and its state folder go after each test (SIGKILL: a clean stop is stop.test.ts's business).
afterEach(async () => {
  await destroyAllSupervisors();
});

/**
 * Supervises `command` on a free port, a round every 400 ms (a probe gets as long),
 * critical after 2 failing rounds.
 */
async function supervise(command: readonly string[], flags: (port: number) => readonly string[] = () => [], env: NodeJS.ProcessEnv = {}) {
  const port = await freePort();
  const args = ['--port', String(port), '--check-interval', '400ms', '--log-level', 'debug', ...flags(port), '--', ...command];
  return { port, supervisor: new SupervisorProcess(args, { env: { MPM_HEALTH_FAILURE_THRESHOLD: '2', ...env } }) };
}

/** The first record that is `what`, failing at once, naming it, if the child is touched first. */
async function first(supervisor: SupervisorProcess, what: string, wanted: (record: LogRecord) => boolean): Promise<LogRecord> {
  const record = await supervisor.waitForRecord((r) => wanted(r) || TOUCHED.has(String(r['event'])), { timeoutMs: DEADLINE_MS, what });
  if (!wanted(record)) throw new Error(`expected ${what}, but first: ${record.message}`);
  return record;
}

/** Waits for ROUNDS `health_check` rounds after `record`. */
async function roundsAfter(supervisor: SupervisorProcess, record: LogRecord): Promise<void> {
  const from = at(supervisor, record) + 1;
  const rounds = (): number => supervisor.records.slice(from).filter((r) => r['event'] === 'health_check').length;
  await supervisor.waitForRecord(() => rounds() >= ROUNDS, { timeoutMs: DEADLINE_MS, what: `${ROUNDS} health rounds` });
}

/** One child, never stopped, killed or replaced, never critical, and still alive. */
function expectUntouched(supervisor: SupervisorProcess): void {
  const pids = supervisor.childPids();
  expect(pids).toHaveLength(1);
  for (const event of TOUCHED) expect(supervisor.events(event)).toEqual([]);
  expect(supervisor.events('health_changed').filter((record) => record['to'] === 'critical')).toEqual([]);
  expect(new Set(supervisor.events('health_check').map((record) => record['childPid']))).toEqual(new Set(pids));
  expect(isProcessAlive(pids[0]!)).toBe(true);
}

/** Healthy, then ROUNDS rounds with nothing done to the child and no mismatch logged. */
async function staysHealthy(supervisor: SupervisorProcess): Promise<void> {
  const healthy = await first(supervisor, 'health to turn healthy', (r) => r['event'] === 'health_changed' && r['to'] === 'healthy');
  await roundsAfter(supervisor, healthy);
  expectUntouched(supervisor);
  expect(supervisor.events('probe_mismatch')).toEqual([]);
}

/** One probe_mismatch warning (or `causes` for as many ways of saying it), then ROUNDS rounds with nothing done to the child and no other warning. */
async function outlivesMismatch(supervisor: SupervisorProcess, causes = 1): Promise<LogRecord> {
  const mismatch = await first(supervisor, 'a probe_mismatch warning', (r) => r['event'] === 'probe_mismatch');
  expect(mismatch).toMatchObject({ level: 'warn', cause: expect.any(String), hint: expect.any(String) });
  expect(String(mismatch['hint'])).not.toBe('');
  await roundsAfter(supervisor, mismatch);
  expectUntouched(supervisor);
  expect(supervisor.events('probe_mismatch').length).toBeGreaterThanOrEqual(1);
  expect(supervisor.events('probe_mismatch').length).toBeLessThanOrEqual(causes);
  return mismatch;
}

/** GET /health; overall never "fail". */
async function health(supervisor: SupervisorProcess): Promise<HealthBody> {
  const { body } = await getJson<HealthBody>(`${await supervisor.statusUrl()}/health`);
  expect(body.status).toMatch(/^(pass|warn)$/);
  return body;
}

const entry = (body: HealthBody, key: string): Check | undefined => body.checks[key]?.[0];

/** The socketio check passes (a loaded machine may read a slow round as a warning elsewhere; that is not judged here). */
async function expectSocketIoPasses(supervisor: SupervisorProcess): Promise<HealthBody> {
  const body = await health(supervisor);
  expect(entry(body, 'socketio:socketioLatencyMs')).toMatchObject({ status: 'pass' });
  return body;
}

/** The socketio check is a "not measured" warning whose output matches `cause`. */
async function expectSocketIoNotMeasured(supervisor: SupervisorProcess, cause: RegExp): Promise<void> {
  const socketio = entry(await health(supervisor), 'socketio:socketioLatencyMs');
  expect(socketio).toMatchObject({ status: 'warn', output: expect.stringMatching(/^not measured: /) });
  expect(socketio?.output).toMatch(cause);
}

describe('mpm-supervise watches servers of other kinds without killing them', () => {
  it('python-socketio (aiohttp) at the default path: healthy, the Socket.IO check passes', async () => {
    const imports = spawnSync(PYTHON, ['-c', 'import socketio, aiohttp'], { encoding: 'utf8' });
    if (imports.status !== 0) {
      throw new Error(`${PYTHON} cannot import socketio and aiohttp (apt-get install python3-socketio python3-aiohttp): ${imports.error?.message ?? imports.stderr.trim()}`);
    }
    const { supervisor } = await supervise([PYTHON, server('python-socketio.py')]);
    await staysHealthy(supervisor);
    await expectSocketIoPasses(supervisor);
  });

  it('Socket.IO at /realtime/, probed at the default path: a probe_mismatch warning that points at health.probePath, never killed', async () => {
    const { supervisor } = await supervise(['node', server('custom-path.mjs')]);
    // engine.io holds a websocket attempt at a path it does not serve for a second, longer
    // than this probe's 400 ms: the probe may say "no answer" before it sees the 404.
    await outlivesMismatch(supervisor, 2);
    for (const mismatch of supervisor.events('probe_mismatch')) {
      expect(mismatch['cause']).toMatch(/^(HTTP 404 at \/socket\.io\/|no Socket\.IO handshake within 400 ms, and no Socket\.IO answer since the child started)$/);
      expect(mismatch['hint']).toMatch(/set health\.probePath/);
    }
    await expectSocketIoNotMeasured(supervisor, /HTTP 404|no Socket\.IO handshake/);
  });

  it('Socket.IO at /realtime/ with --probe-path /realtime/: healthy, the Socket.IO check passes', async () => {
    const { supervisor } = await supervise(['node', server('custom-path.mjs')], () => ['--probe-path', '/realtime/']);
    await staysHealthy(supervisor);
    await expectSocketIoPasses(supervisor);
  });

  it('HTTPS with a self-signed certificate: one probe_mismatch warning that names it, never killed', async () => {
    const { supervisor } = await supervise(['node', server('https-self-signed.mjs')], (port) => ['--probe-url', `https://127.0.0.1:${port}`]);
    const mismatch = await outlivesMismatch(supervisor);
    expect(mismatch['cause']).toMatch(/self-signed/);
    expect(mismatch['hint']).toMatch(/probeCaFile|PROBE_CA_FILE|probe-insecure|probeInsecure/i);
    await expectSocketIoNotMeasured(supervisor, /self-signed/);
  });

  it('HTTPS with a self-signed certificate and its CA file (MPM_HEALTH_PROBE_CA_FILE): the Socket.IO check passes', async () => {
    const { supervisor } = await supervise(['node', server('https-self-signed.mjs')], (port) => ['--probe-url', `https://127.0.0.1:${port}`], {
      MPM_HEALTH_PROBE_CA_FILE: CA_FILE,
    });
    await staysHealthy(supervisor);
    await expectSocketIoPasses(supervisor);
  });

  it('HTTPS with a self-signed certificate and --probe-insecure: the Socket.IO check passes', async () => {
    const { supervisor } = await supervise(['node', server('https-self-signed.mjs')], (port) => ['--probe-url', `https://127.0.0.1:${port}`, '--probe-insecure']);
    await staysHealthy(supervisor);
    await expectSocketIoPasses(supervisor);
  });

  it('listening on ::1 only, with --port: probed at [::1], healthy, TCP and Socket.IO checks pass', async () => {
    const { port, supervisor } = await supervise(['node', server('ipv6-only.mjs')]);
    await childLine(supervisor, new RegExp(`^listening on \\[::1\\]:${port}$`));
    await staysHealthy(supervisor);
    const body = await expectSocketIoPasses(supervisor);
    expect(entry(body, 'network:tcpLatencyMs')).toMatchObject({ status: 'pass' });
  });

  it('plain HTTP, no Socket.IO: one probe_mismatch warning for the HTTP 404, never killed', async () => {
    const { supervisor } = await supervise(['node', server('plain-http.mjs')]);
    const mismatch = await outlivesMismatch(supervisor);
    expect(mismatch['cause']).toContain('HTTP 404');
    expect(mismatch['hint']).toMatch(/probe-?path|socketio/i);
    await expectSocketIoNotMeasured(supervisor, /HTTP 404/);
  });

  it('plain HTTP with --no-socketio-check: healthy, and /health has no Socket.IO check', async () => {
    const { supervisor } = await supervise(['node', server('plain-http.mjs')], () => ['--no-socketio-check']);
    await staysHealthy(supervisor);
    const body = await health(supervisor);
    expect(Object.keys(body.checks).filter((key) => key.startsWith('socketio:'))).toEqual([]);
    expect(entry(body, 'network:tcpLatencyMs')).toMatchObject({ status: 'pass' });
    expect(supervisor.events('health_check').filter((record) => 'socketio' in (record['checks'] as object))).toEqual([]);
  });
});
