import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../helpers/cli-run.js';
import { giveToNobody, NOBODY, requireRoot } from '../helpers/other-user.js';
import { recordingListener, type RecordingListener } from '../helpers/recording-listener.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';

// `status` reads a state file and sends the bearer token to the address in it (docs/design.md §5,
// §6). A state file can be forged by whoever can write where `status` looks: here root
// runs `status` with the token, and the state files name pid 1, a process that is no
// supervisor, another user's supervisor with a port it does not hold, or an address that
// is not this machine's. A local listener records whether anything reached it.

const DEADLINE_MS = 20_000;
const TOKEN = 'tok-forged-5b1e0c';

const tempDirs: string[] = [];
const listeners: RecordingListener[] = [];
const others: ChildProcess[] = [];
afterEach(async () => {
  for (const other of others.splice(0)) other.kill('SIGKILL');
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-forged-'));
  tempDirs.push(dir);
  return dir;
}

async function listener(): Promise<RecordingListener> {
  const made = await recordingListener();
  listeners.push(made);
  return made;
}

/**
 * A folder as systemd makes `RuntimeDirectory=` for a unit with `User=nobody`: owned by
 * nobody, mode 0755, in a folder only root may write.
 */
function nobodysStateDir(): string {
  const base = tempDir();
  chmodSync(base, 0o755);
  const dir = join(base, 'run');
  mkdirSync(dir, { mode: 0o755 });
  giveToNobody(dir);
  return dir;
}

/** Writes a state file as a supervisor would, naming `pid` and a status server at host:port. */
function forge(dir: string, name: string, { pid, host = '127.0.0.1', port }: { pid: number; host?: string; port: number }): string {
  const path = join(dir, `${name}.json`);
  const url = `http://${host}:${port}`;
  const record = { name, pid, version: '0.1.0', startedAt: new Date().toISOString(), http: { url, host, port, tokenRequired: true }, logFile: null, command: ['node', 'server.js'] };
  writeFileSync(path, JSON.stringify(record), { mode: 0o600 });
  return path;
}

/** A live process that is not a supervisor, started before any state file names it. */
function notASupervisor(): number {
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  others.push(other);
  return other.pid!;
}

const staysUp = (name: string, ...args: string[]): string[] => ['--name', name, ...args, '--', 'node', fixturePath('stays-up.mjs')];
const lines = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .sort();

describe('status with a forged state file', () => {
  it('neither connects nor sends the token to the address given for pid 1 or for a live process that is no supervisor', async () => {
    requireRoot();
    const dir = tempDir();
    const trap = await listener();
    const other = notASupervisor();
    const init = forge(dir, 'init', { pid: 1, port: trap.port });
    const plain = forge(dir, 'plain', { pid: other, port: trap.port });

    const run = await runCli(['status', '--state-dir', dir], { env: { MPM_HTTP_TOKEN: TOKEN } });
    expect({ connections: trap.connections, tokenSent: trap.received.includes(TOKEN) }).toEqual({ connections: 0, tokenSent: false });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe(`no supervisor is running (looked in ${dir})\n`);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^mpm-supervise: ignoring ${init}: pid 1 is not an mpm-supervise process \\(it runs .+\\)$`)),
      `mpm-supervise: ignoring ${plain}: pid ${other} is not an mpm-supervise process (it runs ${process.execPath} -e setInterval(() => {}, 1000))`,
    ]);
  });

  it("ignores a state file another user wrote that names root's supervisor", async () => {
    requireRoot();
    const dir = tempDir();
    const trap = await listener();
    const supervisor = new SupervisorProcess(staysUp('api'), { env: { MPM_HTTP_TOKEN: TOKEN } });
    await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });
    const path = forge(dir, 'api', { pid: supervisor.pid, port: trap.port });
    giveToNobody(path);

    const run = await runCli(['status', '--state-dir', dir], { env: { MPM_HTTP_TOKEN: TOKEN } });
    expect({ connections: trap.connections, tokenSent: trap.received.includes(TOKEN) }).toEqual({ connections: 0, tokenSent: false });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`mpm-supervise: ignoring ${path}: it belongs to uid ${NOBODY.uid}, but pid ${supervisor.pid} runs as uid 0\n`);
  });

  it("reads another user's supervisor as root (systemd's User=), and sends nothing to a port that supervisor does not hold", async () => {
    requireRoot();
    const dir = nobodysStateDir();
    const trap = await listener();
    const supervisor = new SupervisorProcess(staysUp('api', '--state-dir', dir), { uid: NOBODY.uid, gid: NOBODY.gid, env: { MPM_HTTP_TOKEN: TOKEN } });
    const url = await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });
    const path = join(dir, 'api.json');

    const legit = await runCli(['status', '--state-dir', dir, '--json'], { env: { MPM_HTTP_TOKEN: TOKEN } });
    expect({ code: legit.code, stderr: legit.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(legit.stdout)).toEqual([expect.objectContaining({ name: 'api', pid: supervisor.pid, status: 'running', statusUrl: url })]);

    // nobody rewrites its own state file: its own supervisor's pid, the port of a listener that is not the supervisor's.
    const record = JSON.parse(readFileSync(path, 'utf8')) as { http: { url: string; port: number } };
    record.http = { ...record.http, url: `http://127.0.0.1:${trap.port}`, port: trap.port };
    writeFileSync(path, JSON.stringify(record));
    const forged = await runCli(['status', '--state-dir', dir], { env: { MPM_HTTP_TOKEN: TOKEN } });
    expect({ connections: trap.connections, tokenSent: trap.received.includes(TOKEN) }).toEqual({ connections: 0, tokenSent: false });
    expect(forged.code).toBe(3);
    expect(forged.stderr).toBe(`mpm-supervise: ignoring ${path}: pid ${supervisor.pid} does not listen on 127.0.0.1:${trap.port}\n`);
  });

  it('never tries an address that is not a listening socket of the supervisor it names, such as another host', async () => {
    const dir = tempDir();
    const supervisor = new SupervisorProcess(staysUp('api'), { env: { MPM_HTTP_TOKEN: TOKEN } });
    await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });
    const path = forge(dir, 'api', { pid: supervisor.pid, host: '203.0.113.5', port: 80 });

    const run = await runCli(['status', '--state-dir', dir], { env: { MPM_HTTP_TOKEN: TOKEN } });
    // Refused by the listener check, before any request: a request that was tried and
    // timed out would say so instead (a loaded machine made a wall-clock bound flaky).
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 3,
      stdout: `no supervisor is running (looked in ${dir})\n`,
      stderr: `mpm-supervise: ignoring ${path}: pid ${supervisor.pid} does not listen on 203.0.113.5:80\n`,
    });
  });
});

describe('status and logs with a state folder they cannot trust', () => {
  it('ignore, each with one line, the default folder another user made first and a folder anyone may write', async () => {
    requireRoot();
    const base = tempDir();
    chmodSync(base, 0o755);
    const tmp = join(base, 'tmp');
    mkdirSync(tmp);
    chmodSync(tmp, 0o1777);
    const squatted = join(tmp, `mpm-supervise-${process.getuid!()}`);
    mkdirSync(squatted, { mode: 0o755 });
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const trap = await listener();
    const supervisor = new SupervisorProcess(staysUp('api'), { env: { MPM_HTTP_TOKEN: TOKEN } });
    await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });
    // Root's own files, as if root had written them: only the folders are wrong.
    forge(squatted, 'api', { pid: supervisor.pid, port: trap.port });
    forge(open, 'api', { pid: supervisor.pid, port: trap.port });
    giveToNobody(squatted);

    const fallback = { MPM_HTTP_TOKEN: TOKEN, XDG_RUNTIME_DIR: undefined, TMPDIR: tmp };
    const byDefault = await runCli(['status'], { env: fallback });
    expect(byDefault.stderr).toBe(`mpm-supervise: ignoring ${squatted}: it belongs to uid ${NOBODY.uid}, not to you (uid 0) nor to root\n`);
    expect(byDefault.code).toBe(3);
    const chosen = await runCli(['status', '--state-dir', open], { env: { MPM_HTTP_TOKEN: TOKEN } });
    expect({ code: chosen.code, stderr: chosen.stderr }).toEqual({ code: 3, stderr: `mpm-supervise: ignoring ${open}: it can be written by other users (mode 0777)\n` });
    const logs = await runCli(['logs', '--state-dir', open]);
    expect({ code: logs.code, stdout: logs.stdout }).toEqual({ code: 3, stdout: '' });
    expect(logs.stderr.split('\n')[0]).toBe(`mpm-supervise: ignoring ${open}: it can be written by other users (mode 0777)`);
    expect({ connections: trap.connections, tokenSent: trap.received.includes(TOKEN) }).toEqual({ connections: 0, tokenSent: false });
  });
});

describe('the token and a status server off loopback', () => {
  it("goes to a supervisor's non-loopback address only when status's own settings name that host", async () => {
    const host = localNonLoopbackAddress();
    const dir = tempDir();
    const supervisor = new SupervisorProcess(staysUp('pod', '--state-dir', dir, '--http-host', host), { env: { MPM_HTTP_TOKEN: TOKEN } });
    const url = await supervisor.statusUrl({ timeoutMs: DEADLINE_MS });
    expect(url).toMatch(new RegExp(`^http://${host.replace(/\./g, '\\.')}:\\d+$`));

    const withheld = await runCli(['status', '--state-dir', dir, '--json'], { env: { MPM_HTTP_TOKEN: TOKEN } });
    expect(withheld.code).toBe(1);
    expect(JSON.parse(withheld.stdout)).toEqual([
      expect.objectContaining({
        name: 'pod',
        status: 'unreachable',
        error: {
          kind: 'token_withheld',
          message: `status server ${url} is not on loopback: the token is sent there only when MPM_HTTP_HOST (or http.host in --config) is ${host} where status runs`,
        },
      }),
    ]);

    const named = await runCli(['status', '--state-dir', dir, '--json'], { env: { MPM_HTTP_TOKEN: TOKEN, MPM_HTTP_HOST: host } });
    expect({ code: named.code, stderr: named.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(named.stdout)).toEqual([expect.objectContaining({ name: 'pod', status: 'running', statusUrl: url })]);
  });
});

/** An IPv4 address of this machine that is not loopback; the test needs one and says so. */
function localNonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (found !== undefined) return found.address;
  }
  throw new Error('this test needs an IPv4 address that is not loopback on some network interface (a container with a network has one)');
}
