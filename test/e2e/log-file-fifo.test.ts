import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';

// A log file path that names a FIFO (nobody reading) froze the supervisor in open(2), at
// start and on a reload. It is refused at once instead, with the reason.

let dir: string;
const holders: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-fifo-'));
});

afterEach(async () => {
  await destroyAllSupervisors();
  for (const holder of holders.splice(0)) holder.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function fifo(name: string): string {
  const path = join(dir, name);
  const made = spawnSync('mkfifo', [path]);
  if (made.status !== 0) throw new Error(`mkfifo ${path} failed: ${String(made.stderr)}`);
  return path;
}

describe('a log file path that is a FIFO', () => {
  it('stops a start with exit 78 and one line, nothing spawned', async () => {
    const path = fifo('log');
    const supervisor = new SupervisorProcess(['--log-file', path, '--', 'node', fixturePath('stays-up.mjs')]);
    expect(await supervisor.waitForExit()).toEqual({ code: 78, signal: null });
    expect(supervisor.stderr).toMatch(/^mpm-supervise: --log-file .*: cannot write to it \(ENXIO\)\n$/);
    expect(supervisor.records).toEqual([]);
  });

  it('is not applied by a reload, and the supervisor goes on with the file it had', async () => {
    const config = join(dir, 'mpm.json');
    writeFileSync(config, JSON.stringify({ command: ['node', fixturePath('stays-up.mjs')], log: { file: join(dir, 'good.log') } }));
    const supervisor = new SupervisorProcess(['--config', config]);
    const spawned = await supervisor.waitForEvent('child_spawned');
    writeFileSync(config, JSON.stringify({ command: ['node', fixturePath('stays-up.mjs')], log: { file: fifo('bad.log') } }));
    const from = supervisor.records.length;
    supervisor.signal('SIGHUP');
    const failed = await supervisor.waitForEvent('config_apply_failed', { from });
    expect(failed).toMatchObject({ level: 'error', message: `could not apply all of the new config: log.file ${join(dir, 'bad.log')}: cannot write to it (ENXIO)` });
    // Still logging to the file it had, and still answering signals.
    const marker = supervisor.records.length;
    supervisor.signal('SIGHUP');
    await supervisor.waitForEvent('supervisor_signal', { from: marker });
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone([Number(spawned['childPid'])]);
  });

  it('is refused when something holds it open too, where the open would succeed and every write wait', async () => {
    const path = fifo('held.log');
    // Holds the FIFO open for reading (and writing, so that its own open does not wait) and never reads.
    const holder = spawn('sh', ['-c', 'exec 3<>"$0"; echo held; exec sleep 300', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    holders.push(holder);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const supervisor = new SupervisorProcess(['--log-file', path, '--', 'sleep', '300']);
    expect(await supervisor.waitForExit()).toEqual({ code: 78, signal: null });
    expect(supervisor.stderr).toBe(`mpm-supervise: --log-file ${path}: cannot write to it (it is a FIFO, not a file: writing would wait for a reader; stdout already has every line)\n`);
  });
});
