import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-output-'));
});
afterEach(async () => {
  await destroyAllSupervisors();
  rmSync(dir, { recursive: true, force: true });
});

function expectNumberedLines(records: readonly LogRecord[], total: number): void {
  const lines = records.filter((record) => record.source === 'child' && record['stream'] === 'stdout');
  expect(lines).toHaveLength(total);
  for (let i = 0; i < total; i += 1) {
    const expected = `line ${String(i + 1).padStart(7, '0')}`;
    if (lines[i]!.message !== expected) throw new Error(`line ${i + 1} is ${JSON.stringify(lines[i]!.message)}, expected ${expected}`);
  }
}

describe('mpm-supervise relays the child output', () => {
  it('relays 100,000 lines in order, none lost, to stdout and to the log file', async () => {
    const logFile = join(dir, 'supervisor.log');
    const supervisor = new SupervisorProcess(['--log-file', logFile, '--', 'node', fixturePath('print-lines.mjs'), '100000']);
    await supervisor.waitForRecord((r) => r.source === 'child' && r['stream'] === 'stderr' && r.message === 'printed 100000 lines', {
      timeoutMs: 60_000,
      what: 'the child to finish printing',
    });
    await supervisor.waitForRecord((r) => r.message === 'line 0100000', { timeoutMs: 60_000, what: 'the last line' });
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);

    const [childPid] = supervisor.childPids();
    expectNumberedLines(supervisor.records, 100_000);
    expect(supervisor.childLines('stdout').every((record) => record['pid'] === childPid)).toBe(true);
    expect(supervisor.rawLines).toEqual([]);

    // The file holds the same lines (rotation included), written out before the exit.
    const files = readdirSync(dir).sort((a, b) => rotationIndex(b) - rotationIndex(a));
    const fileRecords = files.flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogRecord),
    );
    expectNumberedLines(fileRecords, 100_000);
    expect(fileRecords.at(-1)).toMatchObject({ event: 'supervisor_stopped' });
    await expectAllGone(supervisor.childPids());
  });

  it('never blocks the child on a stalled stdout reader: drops and counts its lines there, the file has them all', async () => {
    const total = 300_000;
    const logFile = join(dir, 'supervisor.log');
    const supervisor = new SupervisorProcess(['--log-file', logFile, '--', 'node', fixturePath('print-lines.mjs'), String(total)], {
      pauseStdout: true,
    });
    const last = `"message":"line ${String(total).padStart(7, '0')}"`;
    await waitUntil(() => existsSync(logFile) && tail(logFile).includes(last), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'every line in the log file while nobody reads stdout',
    });
    supervisor.resumeStdout();
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);

    const notices = supervisor.events('log_lines_dropped');
    const dropped = notices.reduce((sum, notice) => sum + Number(notice['dropped']), 0);
    expect(dropped).toBeGreaterThan(0);
    expect(notices[0]).toMatchObject({ level: 'warn', source: 'supervisor' });
    const relayed = supervisor
      .childLines()
      .map((record) => record.message)
      .filter((text) => text.startsWith('line '));
    expect(relayed.length + dropped).toBe(total + 1); // + the "printed" line on stderr
    expect([...relayed].sort()).toEqual(relayed); // what came through is in order
    // The supervisor's own records are never dropped.
    expect(supervisor.events('child_exited')).toHaveLength(1);
    expect(supervisor.records.at(-1)).toMatchObject({ event: 'supervisor_stopped' });
    await expectAllGone(supervisor.childPids());
  });

  it('does not lose a last line without a newline, and logs it before the exit', async () => {
    const supervisor = new SupervisorProcess(['--', 'node', fixturePath('partial-line.mjs')]);
    const exit = await supervisor.waitForEvent('child_exited');
    supervisor.signal('SIGTERM');
    await supervisor.waitForExit();
    const before = supervisor.records.slice(0, supervisor.records.indexOf(exit)).filter((r) => r.source === 'child');
    expect(before.map((r) => r.message)).toEqual(['a whole line', 'the last line has no newline']);
    expect(exit).toMatchObject({ exitCode: 3, expected: false });
    await expectAllGone(supervisor.childPids());
  });

  it('cuts a 1 MiB line to 64 KiB and marks it, and the next line still comes through', async () => {
    const supervisor = new SupervisorProcess(['--', 'node', fixturePath('long-line.mjs')]);
    const after = await supervisor.waitForRecord((r) => r.message === 'after the long line', { what: 'the line after' });
    const lines = supervisor.childLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ truncated: true, originalBytes: 1024 * 1024, stream: 'stdout' });
    expect(lines[0]!.message).toBe('x'.repeat(64 * 1024));
    expect(lines[1]).toBe(after);
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    await expectAllGone(supervisor.childPids());
  });

  it('tells stdout from stderr and carries source, stream and pid on every child line', async () => {
    const script = "console.log('to stdout'); console.error('to stderr'); setInterval(() => {}, 60000)";
    const supervisor = new SupervisorProcess(['--', 'node', '-e', script]);
    await supervisor.waitForRecord((r) => r.message === 'to stderr');
    await supervisor.waitForRecord((r) => r.message === 'to stdout');
    const [childPid] = supervisor.childPids();
    expect(supervisor.childLines('stdout')[0]).toMatchObject({ source: 'child', stream: 'stdout', pid: childPid, level: 'info' });
    expect(supervisor.childLines('stderr')[0]).toMatchObject({ source: 'child', stream: 'stderr', pid: childPid });
    for (const record of supervisor.records) expect(typeof record['timestamp']).toBe('string');
    supervisor.signal('SIGTERM');
    await supervisor.waitForExit();
    await expectAllGone(supervisor.childPids());
  });

  it('writes readable lines with --log-format pretty', async () => {
    const supervisor = new SupervisorProcess(['--log-format', 'pretty', '--', 'node', fixturePath('stays-up.mjs')]);
    await waitForRaw(supervisor, /child\[\d+\] out +up pid=\d+/);
    supervisor.signal('SIGTERM');
    await supervisor.waitForExit();
    expect(supervisor.records).toEqual([]);
    expect(supervisor.rawLines.some((line) => /^\d\d:\d\d:\d\d\.\d{3} info +supervisor +child spawned with pid \d+/.test(line))).toBe(true);
    // Not a terminal: no colour codes.
    expect(supervisor.rawLines.join('\n')).not.toContain('\u001b[');
  });
});

function rotationIndex(name: string): number {
  const match = /\.log\.(\d+)$/.exec(name);
  return match === null ? 0 : Number(match[1]);
}

/** The last 64 KiB of a file. */
function tail(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

async function waitForRaw(supervisor: SupervisorProcess, pattern: RegExp): Promise<void> {
  await waitUntil(() => supervisor.rawLines.some((line) => pattern.test(line)), { what: `a line matching ${pattern}` });
}
