import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { NotifyReceiver } from '../helpers/notify.js';
import { pid1Launcher, supervisorHostPid } from '../helpers/pid-namespace.js';
import { cliPath, destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

let dir: string;
let receiver: NotifyReceiver | undefined;

beforeEach(() => {
  // Only the one file, far from the repository's node_modules.
  dir = mkdtempSync(join(tmpdir(), 'mpm-one-file-'));
  copyFileSync(cliPath, join(dir, 'mpm-supervise.mjs'));
});

afterEach(async () => {
  await destroyAllSupervisors();
  await receiver?.close();
  receiver = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('the one-file build', () => {
  it('runs with plain node and nothing beside it', () => {
    const version = execFileSync(process.execPath, [join(dir, 'mpm-supervise.mjs'), '--version'], { cwd: dir, encoding: 'utf8' });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readdirSync(dir)).toEqual(['mpm-supervise.mjs']);
  });

  it('supervises as PID 1 with its embedded native helper: READY=1 to systemd, orphans collected, SIGTERM ends it', async () => {
    receiver = new NotifyReceiver();
    await receiver.bound();
    const supervisor = new SupervisorProcess(['--log-level', 'debug', '--', 'node', fixturePath('orphan-maker.mjs')], {
      cli: join(dir, 'mpm-supervise.mjs'),
      cwd: dir,
      launcher: pid1Launcher(),
      // The native helper is written under TMPDIR: inside this test's folder, removed with it.
      env: { ORPHANS: '1', NOTIFY_SOCKET: receiver.path, TMPDIR: dir },
    });
    await supervisor.waitForEvent('pid1');
    await supervisor.waitForEvent('orphan_reaped');
    const notify = receiver;
    await waitUntil(() => notify.count('READY=1') === 1, { what: 'READY=1' });
    expect(readdirSync(dir).some((entry) => entry.startsWith('mpm-supervise-native-'))).toBe(true);
    process.kill(supervisorHostPid(supervisor.pid)!, 'SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    expect(supervisor.stderr).toBe('');
  });

  it('refuses a Type=notify start when its native helper cannot load: exit 78, one line, nothing spawned, nothing sent', async () => {
    receiver = new NotifyReceiver();
    await receiver.bound();
    // TMPDIR names a file: the embedded helper cannot be written out, as on a read-only root without /tmp.
    const tmp = join(dir, 'mpm-supervise.mjs');
    const supervisor = new SupervisorProcess(['--', 'node', fixturePath('stays-up.mjs')], { cli: tmp, cwd: dir, env: { NOTIFY_SOCKET: receiver.path, TMPDIR: tmp } });
    expect(await supervisor.waitForExit()).toEqual({ code: 78, signal: null });
    expect(supervisor.stderr).toMatch(
      /^mpm-supervise: NOTIFY_SOCKET is set \(a systemd Type=notify unit\) but the native helper did not load \(ENOTDIR[^\n]*\); run pnpm build with a C compiler; without it systemd never hears READY=1 \(or drop Type=notify, WatchdogSec= and NotifyAccess= from the unit\)\n$/,
    );
    expect(supervisor.childPids()).toEqual([]);
    expect(receiver.count('READY=1')).toBe(0);
  });
});
