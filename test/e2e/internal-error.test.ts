import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// A bug in the supervisor (an uncaught exception) ends it with exit 1, its child killed,
// its last words a JSON record in the log and the file, and no state file left behind.

let dir: string | undefined;

afterEach(async () => {
  await destroyAllSupervisors();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('an internal error in the supervisor', () => {
  it('writes an internal_error record to stdout and the log file, kills the child, and removes the state file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpm-internal-'));
    const stateDir = join(dir, 'state');
    const logFile = join(dir, 'mpm.log');
    const supervisor = new SupervisorProcess(['--port', '0', '--state-dir', stateDir, '--log-file', logFile, '--', 'sleep', '300'], {
      env: { NODE_OPTIONS: `--import=${fixturePath('inject-internal-error.mjs')}` },
    });
    const listening = await supervisor.waitForEvent('status_server_listening');
    const stateFile = String(listening['stateFile']);
    expect(existsSync(stateFile)).toBe(true);
    const childPid = Number((await supervisor.waitForEvent('child_spawned'))['childPid']);

    supervisor.signal('SIGWINCH');
    expect(await supervisor.waitForExit()).toEqual({ code: 1, signal: null });

    const last = supervisor.records.at(-1)!;
    expect(last).toMatchObject({ level: 'error', source: 'supervisor', event: 'internal_error', childPid, exitCode: 1 });
    expect(last.message).toBe(`internal error: injected fault for a test; killed the child's process group ${childPid}, exiting with code 1`);
    expect(supervisor.stderr).toBe('mpm-supervise: internal error: injected fault for a test\n');
    await waitUntil(() => readFileSync(logFile, 'utf8').includes('"event":"internal_error"'), { what: 'the record in the log file' });
    expect(JSON.parse(readFileSync(logFile, 'utf8').trim().split('\n').at(-1)!)).toMatchObject({ event: 'internal_error', childPid });
    expect(readdirSync(stateDir)).toEqual([]);
    await expectAllGone([childPid]);
  });

  it('leaves its record the last line of the log file while a chatty child fills it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpm-internal-'));
    const logFile = join(dir, 'mpm.log');
    const supervisor = new SupervisorProcess(['--port', '0', '--state-dir', join(dir, 'state'), '--log-file', logFile, '--', process.execPath, fixturePath('print-lines.mjs'), '100000000'], {
      env: { NODE_OPTIONS: `--import=${fixturePath('inject-internal-error.mjs')}` },
    });
    const childPid = Number((await supervisor.waitForEvent('child_spawned'))['childPid']);
    // Writes to the file are in flight all the time now.
    await waitUntil(() => readFileSync(logFile, 'utf8').length > 1_000_000, { what: 'a megabyte of child lines in the log file' });

    supervisor.signal('SIGWINCH');
    expect(await supervisor.waitForExit()).toEqual({ code: 1, signal: null });

    expect(supervisor.records.at(-1)).toMatchObject({ event: 'internal_error', childPid });
    expect(JSON.parse(readFileSync(logFile, 'utf8').trim().split('\n').at(-1)!)).toMatchObject({ event: 'internal_error', childPid });
    await expectAllGone([childPid]);
  });
});
