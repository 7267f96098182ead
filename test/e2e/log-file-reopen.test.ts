import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// The log file is reopened when it stops being the file at its path (deleted, moved),
// when writing to it fails (a full disk), and on SIGHUP; the stdout stream meanwhile keeps
// every line. Real supervisors over a child that prints a numbered line every 2 ms.

const DEADLINE_MS = 20_000;
const numbered = (n: number): string => `line ${String(n).padStart(7, '0')}`;
const numberOf = (record: LogRecord): number => (record.source === 'child' && record.message.startsWith('line ') ? Number(record.message.slice(5)) : 0);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-reopen-'));
});
afterEach(async () => {
  await destroyAllSupervisors();
  rmSync(dir, { recursive: true, force: true });
});

/** The complete JSON lines of a file (the last may be half written); none for a missing file. */
function fileLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop();
  return lines.filter(Boolean);
}

const fileRecords = (file: string): LogRecord[] => fileLines(file).map((line) => JSON.parse(line) as LogRecord);
const lastNumber = (records: readonly LogRecord[]): number => Math.max(0, ...records.map(numberOf));

/** A supervisor whose child prints a numbered line every 2 ms once it has started. */
async function start(logFile: string): Promise<{ supervisor: SupervisorProcess; childPid: number }> {
  const supervisor = new SupervisorProcess(['--log-file', logFile, '--', 'node', fixturePath('print-lines-on-signal.mjs'), '10000000', '1', '2']);
  const waiting = await supervisor.waitForRecord((record) => record.message === 'waiting for SIGUSR1', { what: 'the child to wait for SIGUSR1' });
  const childPid = Number(waiting['pid']);
  process.kill(childPid, 'SIGUSR1');
  return { supervisor, childPid };
}

/** Waits until the child has printed line `n` on the supervisor's stdout. */
async function stdoutReaches(supervisor: SupervisorProcess, n: number): Promise<void> {
  await supervisor.waitForRecord((record) => numberOf(record) >= n, { timeoutMs: DEADLINE_MS, what: `${numbered(n)} on stdout` });
}

async function stop(supervisor: SupervisorProcess): Promise<void> {
  supervisor.signal('SIGTERM');
  expect((await supervisor.waitForExit()).code).toBe(0);
  await expectAllGone(supervisor.childPids());
}

/** Line numbers of the child in `records` are from..to, each once, in order. */
function expectContiguous(records: readonly LogRecord[], what: string): number[] {
  const numbers = records.map(numberOf).filter((n) => n > 0);
  const gap = numbers.findIndex((n, i) => i > 0 && n !== numbers[i - 1]! + 1);
  expect(gap === -1 ? `${what}: contiguous` : `${what}: ${numbered(numbers[gap]!)} follows ${numbered(numbers[gap - 1]!)}`).toBe(`${what}: contiguous`);
  return numbers;
}

describe('the log file is reopened', () => {
  it('after its folder is deleted (rm -rf): the file comes back with the later lines and says how many were lost', async () => {
    const logDir = join(dir, 'logs');
    const logFile = join(logDir, 'app.log');
    const { supervisor } = await start(logFile);
    await waitUntil(() => lastNumber(fileRecords(logFile)) >= 200, { timeoutMs: DEADLINE_MS, what: 'line 200 in the log file' });
    rmSync(logDir, { recursive: true, force: true });
    const removedAt = lastNumber(supervisor.records);
    await waitUntil(() => lastNumber(fileRecords(logFile)) >= removedAt + 500, { timeoutMs: DEADLINE_MS, what: `${numbered(removedAt + 500)} in a new ${logFile}` });
    await stop(supervisor);

    const records = fileRecords(logFile);
    const reopened = records.filter((record) => record['event'] === 'log_file_reopened');
    expect(reopened).toHaveLength(1);
    expect(reopened[0]).toMatchObject({ level: 'warn', source: 'supervisor', reason: 'deleted', file: logFile, linesLost: expect.any(Number) });
    // The same warning on stdout, which kept every line throughout.
    expect(supervisor.events('log_file_reopened')).toEqual(reopened);
    const relayed = expectContiguous(supervisor.records, 'stdout');
    expect(relayed[0]).toBe(1);
    // The new file holds every line from the reopening on, up to the last one.
    const kept = expectContiguous(records, 'the new file');
    expect(kept[0]!).toBeGreaterThan(removedAt);
    expect(kept.at(-1)).toBe(relayed.at(-1));
    expect(records.at(-1)).toMatchObject({ event: 'supervisor_stopped' });
    // What is lost went to the deleted file after the supervisor last found it in place (checked every second).
    expect(Number(reopened[0]!['linesLost'])).toBeLessThan(2000);
  });

  it('after it is moved away (mv app.log app.log.old): a new file at the path gets the later lines, none lost', async () => {
    const logFile = join(dir, 'app.log');
    const moved = join(dir, 'app.log.old');
    const { supervisor } = await start(logFile);
    await waitUntil(() => lastNumber(fileRecords(logFile)) >= 200, { timeoutMs: DEADLINE_MS, what: 'line 200 in the log file' });
    renameSync(logFile, moved);
    const movedAt = lastNumber(supervisor.records);
    await waitUntil(() => lastNumber(fileRecords(logFile)) >= movedAt + 500, { timeoutMs: DEADLINE_MS, what: `${numbered(movedAt + 500)} in a new ${logFile}` });
    await stop(supervisor);

    const reopened = fileRecords(logFile).filter((record) => record['event'] === 'log_file_reopened');
    expect(reopened).toEqual([expect.objectContaining({ reason: 'moved', linesLost: 0, file: logFile })]);
    // Lines handed to the old file before the supervisor noticed are in the moved file, then the new one takes over.
    const both = expectContiguous([...fileRecords(moved), ...fileRecords(logFile)], 'app.log.old then app.log');
    expect(both[0]).toBe(1);
    expect(both.at(-1)).toBe(lastNumber(supervisor.records));
  });

  it('on SIGHUP (logrotate): the file at the path is opened again and takes the next lines', async () => {
    const logFile = join(dir, 'app.log');
    const rotated = join(dir, 'app.log.1');
    const { supervisor } = await start(logFile);
    await waitUntil(() => lastNumber(fileRecords(logFile)) >= 200, { timeoutMs: DEADLINE_MS, what: 'line 200 in the log file' });
    // logrotate's `create` mode: move the file, make a new one, then signal.
    renameSync(logFile, rotated);
    writeFileSync(logFile, '');
    const signalled = supervisor.records.length;
    supervisor.signal('SIGHUP');
    // (Had the check of once a second seen the new file first, it would have reopened it already, as `moved`.)
    const notice = await supervisor.waitForRecord((record) => record['event'] === 'log_file_reopened' && record['reason'] === 'signal', { from: signalled, what: 'the reopening on SIGHUP' });
    await supervisor.waitForEvent('config_reloaded', { from: signalled });
    const reopenedAt = lastNumber(supervisor.records);
    await waitUntil(() => lastNumber(fileRecords(logFile)) >= reopenedAt + 200, { timeoutMs: DEADLINE_MS, what: `${numbered(reopenedAt + 200)} in the new file` });
    await stop(supervisor);

    expect(notice).toMatchObject({ level: 'info', source: 'supervisor', linesLost: 0, file: logFile });
    const inNew = fileRecords(logFile);
    expect(inNew).toContainEqual(notice);
    const both = expectContiguous([...fileRecords(rotated), ...inNew], 'app.log.1 then app.log');
    expect(both[0]).toBe(1);
    expect(both.at(-1)).toBe(lastNumber(supervisor.records));
  });

  it('after writes fail (ENOSPC from /dev/full): counts the lost lines, retries each second, and recovers once the path is writable', async () => {
    // A full disk without mounting one: the log path is a symlink to /dev/full, where every write fails with ENOSPC.
    const logFile = join(dir, 'app.log');
    symlinkSync('/dev/full', logFile);
    const { supervisor } = await start(logFile);
    const failed = await supervisor.waitForEvent('log_file_unwritable');
    expect(failed).toMatchObject({ level: 'warn', file: logFile, code: 'ENOSPC' });
    await stdoutReaches(supervisor, 1500);
    // Writes kept failing for a while, at most once a second: one warning, not one per line.
    expect(supervisor.events('log_file_unwritable')).toHaveLength(1);
    unlinkSync(logFile);
    await waitUntil(() => fileRecords(logFile).some((record) => record['event'] === 'log_file_reopened'), { timeoutMs: DEADLINE_MS, what: 'the reopening in a new file' });
    const recoveredAt = lastNumber(supervisor.records);
    await waitUntil(() => lastNumber(fileRecords(logFile)) >= recoveredAt + 200, { timeoutMs: DEADLINE_MS, what: `${numbered(recoveredAt + 200)} in the new file` });
    await stop(supervisor);

    const inFile = fileLines(logFile);
    const reopened = fileRecords(logFile).find((record) => record['event'] === 'log_file_reopened')!;
    expect(reopened).toMatchObject({ level: 'warn', reason: 'write_failed', code: 'ENOSPC', file: logFile });
    // Every stdout line before the file's first one was lost, and counted; none after it.
    const stdoutLines = supervisor.stdout.split('\n').filter(Boolean);
    const firstKept = stdoutLines.indexOf(inFile[0]!);
    expect(firstKept).toBeGreaterThan(1500);
    expect(reopened['linesLost']).toBe(firstKept);
    expect(inFile).toEqual(stdoutLines.slice(firstKept));
  });
});
