import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { getJson } from '../helpers/http.js';
import { continueAll, expectAllGone, killQuietly } from '../helpers/processes.js';
import { decision } from '../helpers/records.js';
import { demoServerPath, destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { runCli, type CliRun } from '../helpers/cli-run.js';
import { waitUntil } from '../helpers/wait.js';

// `mpm-supervise status` (docs/design.md §5) over real supervisors: it finds them through the
// state files in --state-dir, asks their status servers, and prints a table or JSON.

// Bounds waits on a slow machine; it is not how long anything takes.
const DEADLINE_MS = 20_000;
/** Quick checks, so that the child is seen healthy (and a crash recovered) within a second or two. */
const QUICK = ['--check-interval', '250ms', '--kill-timeout', '2s'];

const tempDirs: string[] = [];
const stopped: number[] = [];
const orphans: number[] = [];

afterEach(async () => {
  continueAll(stopped);
  await destroyAllSupervisors();
  for (const pid of orphans.splice(0)) killQuietly(pid, true);
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-status-cmd-'));
  tempDirs.push(dir);
  return dir;
}

/** Runs `mpm-supervise status …` to its end (killed at the deadline). */
function status(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(['status', ...args], { env, timeoutMs: DEADLINE_MS });
}

/** A row of `status --json`, as far as the assertions walk into it. */
type Json = Record<string, unknown> & {
  lastRecovery?: { action?: unknown };
  health: { status: unknown };
  diagnostics: { health: { latest: { status: unknown } } };
  child: { restarts: unknown };
};

async function statusJson(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; rows: Json[] }> {
  const run = await status([...args, '--json'], env);
  return { code: run.code, rows: JSON.parse(run.stdout) as Json[] };
}

/** A table row's cells: columns are two or more spaces apart, cells have single spaces at most. */
function rowOf(stdout: string, name: string): string[] {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${name}  `));
  if (line === undefined) throw new Error(`no row for ${name} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

/** A supervisor of the demo server that writes its state file into `stateDir`. */
function superviseDemo(name: string, stateDir: string, { env = {}, args = [] }: { env?: NodeJS.ProcessEnv; args?: readonly string[] } = {}): SupervisorProcess {
  return new SupervisorProcess(['--name', name, '--state-dir', stateDir, '--port', '0', ...QUICK, ...args, '--', 'node', demoServerPath], { env });
}

/** Waits until /health passes: a check has finished and found the child well. */
async function healthy(url: string): Promise<void> {
  let last: unknown;
  await waitUntil(
    async () => {
      const answer = await getJson<{ status: string }>(`${url}/health`);
      last = answer.body;
      return answer.body.status === 'pass';
    },
    { timeoutMs: DEADLINE_MS, intervalMs: 100, what: `a healthy child; last /health: ${JSON.stringify(last)}` },
  );
}

const HEALTH_WORDS = /^(healthy|warning)\b/;

describe('status of a running supervisor', () => {
  it('shows its name, pid, child pid, state, restarts, health and breaker; --json holds the same', async () => {
    const dir = tempDir();
    const supervisor = superviseDemo('chat', dir);
    const url = await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });
    await healthy(url);
    const childPid = supervisor.childPids()[0]!;

    const table = await status(['--state-dir', dir]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME +PID +CHILD +STATE +UPTIME +↺ +HEALTH +BREAKER +LAST RECOVERY$/);
    const [name, pid, child, state, uptime, restarts, health, breaker, last] = rowOf(table.stdout, 'chat');
    expect({ name, pid, child, state, restarts, breaker }).toEqual({ name: 'chat', pid: String(supervisor.pid), child: String(childPid), state: 'running', restarts: '0', breaker: 'closed' });
    expect(uptime).toMatch(/^\d+s$|^\d+m\d\ds$/);
    expect(health).toMatch(HEALTH_WORDS);
    // Nothing was done to the child; on a loaded machine a slow probe may have been logged as a warning.
    expect(last).toMatch(/^(-|log_warning succeeded \d+\S* ago)$/);
    // One supervisor: where to look next, under the table.
    expect(table.stdout).toContain(`  status server  ${url}\n`);
    expect(table.stdout).toContain(`  state file     ${join(dir, 'chat.json')}\n`);
    // A pipe gets no colour.
    expect(table.stdout).not.toContain('\u001b[');

    const json = await statusJson(['--state-dir', dir]);
    expect(json.code).toBe(0);
    expect(json.rows).toHaveLength(1);
    expect(json.rows[0]).toMatchObject({
      name: 'chat',
      status: 'running',
      pid: supervisor.pid,
      state: 'running',
      statusUrl: url,
      child: { pid: childPid, state: 'running', restarts: 0 },
      breaker: { state: 'closed' },
    });
    expect([undefined, 'log_warning']).toContain(json.rows[0]!['lastRecovery']?.action);
    expect(json.rows[0]!['diagnostics']).toMatchObject({ name: 'chat', supervisor: { pid: supervisor.pid }, child: { pid: childPid } });
    expect(json.rows[0]!['health'].status).toBe(json.rows[0]!['diagnostics'].health.latest.status);

    // --name picks it, or nothing.
    expect((await status(['--state-dir', dir, '--name', 'chat'])).code).toBe(0);
    const none = await status(['--state-dir', dir, '--name', 'nosuch']);
    expect(none).toEqual({ code: 3, stdout: `no supervisor named nosuch is running (looked in ${dir})\n`, stderr: '' });
  });

  it('after a crash, counts the restart and names the recovery in the last column', async () => {
    const dir = tempDir();
    const supervisor = superviseDemo('chat', dir);
    const url = await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });
    await healthy(url);
    const first = supervisor.childPids()[0]!;
    killQuietly(first);
    await decision(supervisor, { action: 'restart_service', failureClass: 'crashed', result: 'succeeded' });
    const second = supervisor.childPids()[1]!;

    const table = await status(['--state-dir', dir]);
    expect(table.code).toBe(0);
    const [, pid, child, state, , restarts, , breaker, last] = rowOf(table.stdout, 'chat');
    expect({ pid, child, state, breaker }).toEqual({ pid: String(supervisor.pid), child: String(second), state: 'running', breaker: 'closed' });
    expect(Number(restarts)).toBeGreaterThanOrEqual(1);
    expect(last).toMatch(/^restart_service (succeeded|ok) \d+(s|m\d\ds) ago$/);
    expect(table.stdout).toMatch(/\n {2}last exit +killed by SIGKILL, \d+\S* ago/);
    expect(table.stdout).toMatch(/\n {2}recovery +on, \d+ decisions?; last: restart_service \(crashed\) succeeded \d+\S* ago/);

    const json = await statusJson(['--state-dir', dir]);
    expect(json.rows[0]).toMatchObject({ child: { pid: second }, lastRecovery: { action: 'restart_service', result: 'succeeded', failureClass: 'crashed' } });
    expect(json.rows[0]!['child'].restarts).toBeGreaterThanOrEqual(1);
  });
});

describe('status without a running supervisor', () => {
  it('says where it looked, in one line, and exits 3 for an empty state dir', async () => {
    const dir = tempDir();
    expect(await status(['--state-dir', dir])).toEqual({ code: 3, stdout: `no supervisor is running (looked in ${dir})\n`, stderr: '' });
    expect(await status(['--state-dir', dir, '--json'])).toEqual({ code: 3, stdout: '[]\n', stderr: `mpm-supervise: no supervisor is running (looked in ${dir})\n` });
    // A folder that does not exist is as empty.
    const missing = join(dir, 'nowhere');
    expect(await status(['--state-dir', missing])).toMatchObject({ code: 3, stdout: `no supervisor is running (looked in ${missing})\n` });
  });

  it('reports a state file whose process is gone, removes it, and exits 3', async () => {
    const dir = tempDir();
    const deadPid = await pidOfExitedProcess();
    const file = join(dir, 'chat.json');
    const record = {
      name: 'chat',
      pid: deadPid,
      version: '0.1.0',
      startedAt: new Date().toISOString(),
      http: { url: 'http://127.0.0.1:1', host: '127.0.0.1', port: 1, tokenRequired: false },
      logFile: null,
      command: ['node', 'server.js'],
    };
    writeFileSync(file, JSON.stringify(record));

    const run = await status(['--state-dir', dir]);
    expect(run).toEqual({ code: 3, stdout: `chat  gone (pid ${deadPid} no longer runs; stale state file removed)\nno supervisor is running (looked in ${dir})\n`, stderr: '' });
    expect(existsSync(file)).toBe(false);
    expect(await status(['--state-dir', dir])).toMatchObject({ code: 3, stdout: `no supervisor is running (looked in ${dir})\n` });
  });

  it('shows a SIGKILLed supervisor as gone beside one that runs, and exits 0', async () => {
    const dir = tempDir();
    const killed = superviseDemo('old', dir);
    const alive = superviseDemo('chat', dir);
    await Promise.all([killed.statusUrl({ timeoutMs: DEADLINE_MS }), alive.statusUrl({ timeoutMs: DEADLINE_MS })]);
    await killed.waitForEvent('child_spawned', { timeoutMs: DEADLINE_MS });
    // Its child outlives it (its own process group): ours to clean up.
    orphans.push(...killed.childPids());
    killed.signal('SIGKILL');
    await killed.waitForExit(DEADLINE_MS);
    expect(existsSync(join(dir, 'old.json'))).toBe(true);

    const run = await status(['--state-dir', dir]);
    expect(run.code).toBe(0);
    expect(rowOf(run.stdout, 'chat')[3]).toBe('running');
    expect(rowOf(run.stdout, 'old')).toEqual(['old', String(killed.pid), '-', 'gone', '-', '-', `pid ${killed.pid} no longer runs; stale state file removed`]);
    expect(existsSync(join(dir, 'old.json'))).toBe(false);
    expect(existsSync(join(dir, 'chat.json'))).toBe(true);
    for (const pid of orphans.splice(0)) killQuietly(pid, true);
    await expectAllGone(killed.childPids());
  });
});

describe('status servers that cannot be read', () => {
  it('says a token is needed (exit 1), and works with MPM_HTTP_TOKEN or the config file', async () => {
    const dir = tempDir();
    const token = 'tok-status-7f3a';
    const supervisor = new SupervisorProcess(['--name', 'api', '--state-dir', dir, '--', 'node', fixturePath('stays-up.mjs')], { env: { MPM_HTTP_TOKEN: token } });
    await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });

    const without = await status(['--state-dir', dir]);
    expect(without.code).toBe(1);
    expect(without.stderr).toBe('');
    const [name, pid, , state, , , note] = rowOf(without.stdout, 'api');
    expect({ name, pid, state }).toEqual({ name: 'api', pid: String(supervisor.pid), state: 'unknown' });
    expect(note).toMatch(/^status server http:\/\/127\.0\.0\.1:\d+ needs a token: set MPM_HTTP_TOKEN/);
    expect(without.stdout).toContain('(bearer token required)');
    expect(without.stdout).not.toMatch(/\n\s+at /);

    const wrong = await status(['--state-dir', dir], { MPM_HTTP_TOKEN: 'not-it' });
    expect(wrong.code).toBe(1);
    expect(rowOf(wrong.stdout, 'api')[6]).toMatch(/refused the token \(401\)/);
    const json = await statusJson(['--state-dir', dir]);
    expect(json.rows[0]).toMatchObject({ name: 'api', status: 'unreachable', error: { kind: 'unauthorized' } });

    const withEnv = await status(['--state-dir', dir], { MPM_HTTP_TOKEN: token });
    expect(withEnv.code).toBe(0);
    expect(rowOf(withEnv.stdout, 'api')[3]).toBe('running');
    const config = join(dir, 'status.config.json');
    writeFileSync(config, JSON.stringify({ http: { token } }));
    const withConfig = await status(['--state-dir', dir, '--config', config]);
    expect(withConfig.code).toBe(0);
    expect(rowOf(withConfig.stdout, 'api')[3]).toBe('running');
  });

  it('says a stopped supervisor did not answer in time (exit 1), and reads one whose status server is disabled from its state file (exit 0)', async () => {
    const dir = tempDir();
    const frozen = new SupervisorProcess(['--name', 'frozen', '--state-dir', dir, '--', 'node', fixturePath('stays-up.mjs')]);
    await frozen.statusUrl({ timeoutMs: DEADLINE_MS });
    frozen.signal('SIGSTOP');
    stopped.push(frozen.pid);
    const run = await status(['--state-dir', dir]);
    expect(run.code).toBe(1);
    expect(rowOf(run.stdout, 'frozen')[6]).toMatch(/^status server http:\/\/127\.0\.0\.1:\d+ did not answer within 3s/);
    continueAll(stopped);

    const quiet = new SupervisorProcess(['--name', 'quiet', '--state-dir', dir, '--', 'node', fixturePath('stays-up.mjs')], { env: { MPM_HTTP_ENABLED: 'false' } });
    await quiet.waitForEvent('status_server_disabled', { timeoutMs: DEADLINE_MS });
    await waitUntil(() => existsSync(join(dir, 'quiet.json')), { timeoutMs: DEADLINE_MS, what: 'the state file of quiet' });
    expect(JSON.parse(readFileSync(join(dir, 'quiet.json'), 'utf8'))).toMatchObject({ http: null });
    const both = await status(['--state-dir', dir, '--name', 'quiet']);
    expect(both.code).toBe(0);
    expect(rowOf(both.stdout, 'quiet')).toEqual(['quiet', String(quiet.pid), '-', 'unknown', '-', '-', expect.stringMatching(/^status server disabled \(http\.enabled is false\)/)]);
    expect(both.stdout).toContain('  status server  disabled\n');
  });
});

/** The pid of a process that has run and been reaped: no process has it now (a reuse within moments is unlikely). */
async function pidOfExitedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.once('close', resolve));
  await waitUntil(() => !isProcessAlive(pid), { timeoutMs: DEADLINE_MS, what: `pid ${pid} to be gone` });
  return pid;
}
