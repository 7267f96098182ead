import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { runCli, type CliRun } from '../helpers/cli-run.js';
import { giveToNobody, NOBODY, requireRoot } from '../helpers/other-user.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// `logs` prints the log file a state file names (docs/design.md §5). Run by root over a state file
// another user wrote, it must print nothing of a file that user could not read; and no
// state file may freeze it with a FIFO. The tests run as root and play uid 65534.

const DEADLINE_MS = 20_000;
const SECRET = 'SECRET-root-only-7c41';

const tempDirs: string[] = [];
afterEach(async () => {
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-logs-forged-'));
  tempDirs.push(dir);
  chmodSync(dir, 0o755);
  return dir;
}

/** A state folder as systemd makes it for a unit with `User=nobody`: nobody's, 0755, in root's folder. */
function nobodysStateDir(base: string): string {
  const dir = join(base, 'run');
  mkdirSync(dir, { mode: 0o755 });
  giveToNobody(dir);
  return dir;
}

/** A state file naming `pid` and `logFile`, as a supervisor writes it. */
function forge(dir: string, name: string, pid: number, logFile: string): string {
  const path = join(dir, `${name}.json`);
  const record = { name, pid, version: '0.1.0', startedAt: new Date().toISOString(), http: null, logFile, command: ['node', 'server.js'] };
  writeFileSync(path, JSON.stringify(record), { mode: 0o600 });
  return path;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.once('close', resolve));
  await waitUntil(() => !isProcessAlive(pid), { timeoutMs: DEADLINE_MS, what: `pid ${pid} to be gone` });
  return pid;
}

const logLine = (message: string): string => `${JSON.stringify({ timestamp: '2026-01-02T03:04:05.678Z', level: 'info', source: 'child', stream: 'stdout', pid: 9, message })}\n`;

describe('logs with a forged state file', () => {
  it("prints nothing of a root-only file that another user's state file names", async () => {
    requireRoot();
    const base = tempDir();
    const dir = nobodysStateDir(base);
    const secret = join(base, 'secret.log');
    writeFileSync(secret, logLine(SECRET), { mode: 0o600 });

    // A supervisor that is gone: its log file is shown with a note.
    const gone = forge(dir, 'gone', await deadPid(), secret);
    giveToNobody(gone);
    const first = await runCli(['logs', '--state-dir', dir]);
    expect(first.stdout).not.toContain(SECRET);
    expect({ code: first.code, stderr: first.stderr }).toEqual({
      code: 3,
      stderr:
        `mpm-supervise: ignoring ${gone}: the log file it names, ${secret}, belongs to uid 0, not to uid ${NOBODY.uid} who wrote the state file\n` +
        `mpm-supervise: no running supervisor found in ${dir}; name a log file with --file, or start the supervisor with --log-file\n`,
    });
    rmSync(gone);

    // pid 1 runs: a state file of nobody's cannot speak for it.
    const init = forge(dir, 'init', 1, '/etc/shadow');
    giveToNobody(init);
    const second = await runCli(['logs', '--state-dir', dir]);
    expect(second.stdout).toBe('');
    expect(second.code).toBe(3);
    expect(second.stderr.split('\n')[0]).toBe(`mpm-supervise: ignoring ${init}: it belongs to uid ${NOBODY.uid}, but pid 1 runs as uid 0`);
  });

  it('does not hang on a FIFO that a state file names: one line, exit 78', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'app.log');
    execFileSync('mkfifo', [fifo]);
    forge(dir, 'chat', await deadPid(), fifo);
    const run = await runCli(['logs', '--state-dir', dir], { timeoutMs: 10_000 });
    expect(run).toEqual({
      code: 78,
      stdout: '',
      stderr: expect.stringMatching(new RegExp(`^mpm-supervise: note: [^\\n]+\\nmpm-supervise: cannot read log file ${fifo}: it is not a regular file \\(a FIFO\\)\\n$`)),
    });
  });
});

describe('logs of another user’s supervisor, read by root', () => {
  it('prints the log file the supervisor of User=nobody writes', async () => {
    requireRoot();
    const base = tempDir();
    const dir = nobodysStateDir(base);
    const logs = join(base, 'log');
    mkdirSync(logs, { mode: 0o755 });
    giveToNobody(logs);
    const supervisor = new SupervisorProcess(['--name', 'chat', '--state-dir', dir, '--log-file', join(logs, 'chat.log'), '--', 'node', fixturePath('print-lines.mjs'), '3'], {
      uid: NOBODY.uid,
      gid: NOBODY.gid,
    });
    await supervisor.waitForEvent('status_server_listening', { timeoutMs: DEADLINE_MS });
    let run: CliRun | undefined;
    await waitUntil(
      async () => {
        run = await runCli(['logs', '--state-dir', dir, '--source', 'child']);
        return run.stdout.includes('line 0000003');
      },
      { timeoutMs: DEADLINE_MS, intervalMs: 200, what: `logs to show the child's lines; last run: ${JSON.stringify(run)}` },
    );
    expect({ code: run!.code, stderr: run!.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
