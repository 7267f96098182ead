import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { cliPath, destroyAllSupervisors, fixturePath, repoRoot, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

/** Lines the fixture prints: ~128 bytes each in the log file, so 30,000 fill about 3.7 MiB (three 1 MiB rotations). */
const TOTAL = 30_000;
const numbered = (n: number): string => `line ${String(n).padStart(7, '0')}`;

/** The environment without MPM_* settings of whoever runs the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MPM_')));
}

/** A running `mpm-supervise logs …` process, its output collected as it comes. */
class LogsProcess {
  readonly process: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[]) {
    this.process = spawn(process.execPath, [cliPath, 'logs', ...args], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.process.once('close', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
    });
  }

  async waitForExit(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void this.exited.then((value) => (exit = value));
    await waitUntil(() => exit !== undefined, { timeoutMs, what: `logs to exit; stderr: ${this.stderr}` });
    return exit!;
  }

  lines(): string[] {
    return this.stdout.split('\n').slice(0, -1);
  }
}

const live = new Set<LogsProcess>();

async function logs(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; lines: string[] }> {
  const run = new LogsProcess(args);
  const { code } = await run.waitForExit();
  return { code, stdout: run.stdout, stderr: run.stderr, lines: run.lines() };
}

function oneLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/** Checks that `messages` are line 1 … line TOTAL, each once, in order, naming the first that is not. */
function expectAllNumbered(messages: readonly string[]): void {
  const numberedOnes = messages.filter((message) => message.startsWith('line '));
  const wrong = numberedOnes.findIndex((message, i) => message !== numbered(i + 1));
  expect(wrong === -1 ? 'all in order' : `line ${wrong + 1} is ${numberedOnes[wrong]}`).toBe('all in order');
  expect(numberedOnes).toHaveLength(TOTAL);
}

/**
 * A supervisor whose log file rotates at 1 MiB, three files kept, over a child that prints
 * TOTAL numbered lines on SIGUSR1 (250 every 20 ms), then "done".
 */
async function startSupervisor(dir: string): Promise<{ supervisor: SupervisorProcess; logFile: string; stateDir: string; childPid: number }> {
  const config = join(dir, 'mpm.json');
  writeFileSync(config, JSON.stringify({ log: { maxSizeMb: 1, maxFiles: 3 } }));
  const logFile = join(dir, 'app.log');
  const supervisor = new SupervisorProcess(['--config', config, '--log-file', logFile, '--name', 'lines', '--', 'node', fixturePath('print-lines-on-signal.mjs'), String(TOTAL), '250', '20']);
  const waiting = await supervisor.waitForRecord((record) => record.message === 'waiting for SIGUSR1', { what: 'the child to wait for SIGUSR1' });
  // The state file is written once the status server listens.
  await supervisor.waitForEvent('status_server_listening');
  return { supervisor, logFile, stateDir: supervisor.stateDir!, childPid: Number(waiting['pid']) };
}

afterEach(async () => {
  for (const run of [...live]) {
    run.process.kill('SIGKILL');
    await run.exited;
  }
});

/** A temp folder for one describe block, removed with every supervisor it started. */
function tempDirFor(): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mpm-logs-e2e-'));
  });
  afterAll(async () => {
    await destroyAllSupervisors();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => dir!;
}

describe('mpm-supervise logs -f', () => {
  const dir = tempDirFor();

  it('follows the log across rotations: every numbered line once, in order; ends on SIGTERM with exit 0', async () => {
    const { logFile, stateDir, childPid } = await startSupervisor(dir());
    const follower = new LogsProcess(['-f', '--json', '--source', 'child', '--state-dir', stateDir]);
    // The last lines come first; once they are there, the follower is following.
    await waitUntil(() => follower.stdout.includes('waiting for SIGUSR1'), { what: `logs -f to print the last lines; stderr: ${follower.stderr}` });
    process.kill(childPid, 'SIGUSR1');
    await waitUntil(() => follower.stdout.includes('"message":"done"'), {
      timeoutMs: 90_000,
      what: `logs -f to print "done" (has ${follower.lines().length} lines; stderr: ${follower.stderr})`,
    });
    follower.process.kill('SIGTERM');
    expect(await follower.waitForExit()).toEqual({ code: 0, signal: null });

    // Two rotations at least happened while it followed: app.log.2 exists.
    expect(existsSync(`${logFile}.2`)).toBe(true);
    const records = follower.lines().map((line) => JSON.parse(line) as { source: string; message: string });
    expect(records.every((record) => record.source === 'child')).toBe(true);
    expectAllNumbered(records.map((record) => record.message));
    expect(records.at(-1)!.message).toBe('done');
    expect(follower.stderr).toBe('');
  }, 120_000);

  it('exits quietly with 0 when its stdout closes (logs -f | head)', async () => {
    const file = join(dir(), 'plain.log');
    writeFileSync(file, 'first\n');
    const follower = new LogsProcess(['-f', '--file', file]);
    await waitUntil(() => follower.stdout.includes('first'), { what: 'the first line' });
    follower.process.stdout!.destroy();
    // The follower notices at its next write, as tail does: keep giving it lines to write.
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void follower.exited.then((value) => (exit = value));
    await waitUntil(
      () => {
        if (exit !== undefined) return true;
        appendFileSync(file, 'more\n');
        return false;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'logs -f to exit after its stdout closed' },
    );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(follower.stderr).toBe('');
  });
});

/** The log file's text, or '' in the moment a rotation has renamed it and not yet made the next one. */
function currentLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

describe('mpm-supervise logs', () => {
  const dir = tempDirFor();
  let stateDir: string;
  let logFile: string;
  let childPid: number;
  beforeAll(async () => {
    let supervisor: SupervisorProcess;
    ({ supervisor, stateDir, logFile, childPid } = await startSupervisor(dir()));
    process.kill(childPid, 'SIGUSR1');
    await waitUntil(() => currentLog(logFile).includes('"message":"done"'), { timeoutMs: 90_000, what: 'the child to print "done"' });
    // A supervisor line after the child's: the first ones went with the rotated-out files.
    supervisor.signal('SIGHUP');
    await waitUntil(() => currentLog(logFile).includes('"event":"config_reloaded"'), { what: 'the reload to be logged' });
  }, 120_000);

  it('prints the last 10 lines readable (not JSON, no colours on a pipe)', async () => {
    const { code, lines, stderr } = await logs(['-n', '10', '--state-dir', stateDir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lines).toHaveLength(10);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} (info|warn|error|debug) +(supervisor|child\[\d+\] (out|err)) /);
    expect(lines.join('\n')).not.toContain('\u001b[');
    expect(lines.some((line) => line.endsWith(`child[${childPid}] out done`))).toBe(true);
    expect(lines.some((line) => / supervisor +config reloaded: nothing changed /.test(line))).toBe(true);
  });

  it('prints the lines as they are in the file with --json, only the child output with --source child', async () => {
    const { code, lines } = await logs(['-n', '10', '--json', '--source', 'child', '--state-dir', stateDir]);
    expect(code).toBe(0);
    const file = readFileSync(logFile, 'utf8').split('\n');
    for (const line of lines) expect(file).toContain(line);
    const records = lines.map((line) => JSON.parse(line) as { source: string; message: string });
    expect(records.every((record) => record.source === 'child')).toBe(true);
    expect(records.map((record) => record.message)).toEqual([...Array.from({ length: 9 }, (_, i) => numbered(TOTAL - 8 + i)), 'done']);

    const supervisorOnly = await logs(['-n', '5', '--json', '--source', 'supervisor', '--state-dir', stateDir]);
    const supervisorRecords = supervisorOnly.lines.map((line) => JSON.parse(line) as { source: string; event?: string });
    expect(supervisorRecords.length).toBeGreaterThan(0);
    expect(supervisorRecords.every((record) => record.source === 'supervisor')).toBe(true);
    expect(supervisorRecords.at(-1)!.event).toBe('config_reloaded');
  });

  it('goes back into the rotated files when the current one has too few lines', async () => {
    const count = 12_000;
    const inCurrent = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"source":"child"')).length;
    expect(inCurrent).toBeLessThan(count);
    const { code, lines } = await logs(['-n', String(count), '--json', '--source', 'child', '--state-dir', stateDir]);
    expect(code).toBe(0);
    const messages = lines.map((line) => (JSON.parse(line) as { message: string }).message);
    expect(messages).toEqual([...Array.from({ length: count - 1 }, (_, i) => numbered(TOTAL - count + 2 + i)), 'done']);
  });
});

describe('mpm-supervise logs without a log to read', () => {
  const dir = tempDirFor();

  it('exits 3 with one line when no supervisor runs', async () => {
    const empty = mkdtempSync(join(dir(), 'state-'));
    const { code, stderr, stdout } = await logs(['--state-dir', empty]);
    expect(code).toBe(3);
    expect(oneLine(stderr)).toBe(`mpm-supervise: no running supervisor found in ${empty}; name a log file with --file, or start the supervisor with --log-file`);
    expect(stdout).toBe('');
  });

  it('exits 78 with one line saying how to get a log file when the supervisor writes none', async () => {
    const supervisor = new SupervisorProcess(['--name', 'nofile', '--', 'node', fixturePath('stays-up.mjs')]);
    await supervisor.waitForEvent('status_server_listening');
    const { code, stderr } = await logs(['--state-dir', supervisor.stateDir!]);
    expect(code).toBe(78);
    expect(oneLine(stderr)).toMatch(/^mpm-supervise: supervisor nofile \(pid \d+\) writes no log file; start it with --log-file <file>/);
  });

  it('exits 64 with one line on -n abc', async () => {
    const { code, stderr } = await logs(['-n', 'abc']);
    expect(code).toBe(64);
    expect(oneLine(stderr)).toMatch(/^mpm-supervise: option '-n, --lines <n>' argument 'abc' is invalid\. expected a whole number of lines/);
  });

  it('exits 78 with one line when the file cannot be read', async () => {
    const missing = join(dir(), 'missing.log');
    const { code, stderr } = await logs(['--file', missing]);
    expect(code).toBe(78);
    expect(oneLine(stderr)).toBe(`mpm-supervise: cannot read log file ${missing}: no such file`);
  });
});
