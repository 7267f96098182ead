import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../helpers/cli-run.js';
import { giveToNobody, NOBODY, requireRoot } from '../helpers/other-user.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';

// Where the supervisor writes its state file (docs/design.md §5), played by a hostile local user:
// the fallback folder /tmp/mpm-supervise-<uid> can be made first by anyone, and root's
// write must not follow what they plant there. The tests run as root and play uid 65534.

const DEADLINE_MS = 20_000;
const PRECIOUS = 'precious: root wrote this and nobody else may change it\n';

const tempDirs: string[] = [];
afterEach(async () => {
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A root-owned folder for one test, with a world-writable, sticky `tmp` in it standing for /tmp. */
function sandbox(): { root: string; tmp: string; fallback: string } {
  const root = mkdtempSync(join(tmpdir(), 'mpm-state-dir-'));
  tempDirs.push(root);
  chmodSync(root, 0o755);
  const tmp = join(root, 'tmp');
  mkdirSync(tmp);
  chmodSync(tmp, 0o1777);
  return { root, tmp, fallback: join(tmp, `mpm-supervise-${process.getuid!()}`) };
}

/** A root-only file that the attack aims at. */
function victim(path: string): string {
  writeFileSync(path, PRECIOUS, { mode: 0o600 });
  return path;
}

/** The environment in which the state dir falls back to `<tmp>/mpm-supervise-<uid>`. */
const fallbackEnv = (tmp: string): NodeJS.ProcessEnv => ({ MPM_STATE_DIR: undefined, XDG_RUNTIME_DIR: undefined, TMPDIR: tmp });

const staysUp = (...args: string[]): string[] => ['--name', 'chat', ...args, '--', 'node', fixturePath('stays-up.mjs')];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pids the next processes will likely get: the temp names an attacker would plant. */
function nextPids(count: number): number[] {
  const last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  // After pid_max the kernel starts again above the 300 pids it keeps for the boot.
  return Array.from({ length: count }, (_, i) => (last + 1 + i < max ? last + 1 + i : 300 + (last + 1 + i - max)));
}

describe('the default state dir, made first by another user', () => {
  it('is not written, nor are the temp-name symlinks planted in it followed; the supervisor says why and runs on', async () => {
    requireRoot();
    const { root, tmp, fallback } = sandbox();
    const target = victim(join(root, 'shadow'));
    mkdirSync(fallback);
    giveToNobody(fallback);
    // The old writer's temp name was <name>.json.<pid>.tmp: plant one for every pid likely next.
    for (const pid of nextPids(3000)) {
      const planted = join(fallback, `chat.json.${pid}.tmp`);
      symlinkSync(target, planted);
      giveToNobody(planted, { symlink: true });
    }

    const supervisor = new SupervisorProcess(staysUp(), { env: fallbackEnv(tmp) });
    const listening = await supervisor.waitForEvent('status_server_listening', { timeoutMs: DEADLINE_MS });
    await supervisor.waitForEvent('child_spawned', { timeoutMs: DEADLINE_MS });
    expect(readFileSync(target, 'utf8')).toBe(PRECIOUS);
    expect(readdirSync(fallback).filter((entry) => !entry.endsWith('.tmp'))).toEqual([]);
    expect(listening['stateFile']).toBeNull();
    expect(supervisor.events('state_dir_unsafe')).toEqual([
      expect.objectContaining({
        level: 'warn',
        stateDir: fallback,
        reason: 'not_owned',
        owner: NOBODY.uid,
        message: `not writing a state file: ${fallback} belongs to uid ${NOBODY.uid}, not to uid 0 who runs this supervisor (another user may have made it to plant files in it); remove it, or set --state-dir (mpm-supervise status and logs will not find this supervisor)`,
      }),
    ]);
  });

  it('is not followed when it is a symlink, and a folder others may write is not used', async () => {
    requireRoot();
    const { root, tmp, fallback } = sandbox();
    const etc = join(root, 'etc');
    mkdirSync(etc);
    const target = victim(join(etc, 'chat.json'));
    symlinkSync(etc, fallback);
    giveToNobody(fallback, { symlink: true });

    const linked = new SupervisorProcess(staysUp(), { env: fallbackEnv(tmp) });
    expect((await linked.waitForEvent('status_server_listening', { timeoutMs: DEADLINE_MS }))['stateFile']).toBeNull();
    await linked.waitForEvent('child_spawned', { timeoutMs: DEADLINE_MS });
    expect(readFileSync(target, 'utf8')).toBe(PRECIOUS);
    expect(readdirSync(etc)).toEqual(['chat.json']);
    expect(linked.events('state_dir_unsafe')).toEqual([expect.objectContaining({ stateDir: fallback, reason: 'symlink' })]);
    expect(linked.events('state_dir_unsafe')[0]!.message).toMatch(/^not writing a state file: \S+ is a symlink/);
    await linked.destroy();

    rmSync(fallback);
    mkdirSync(fallback);
    chmodSync(fallback, 0o777);
    const open = new SupervisorProcess(staysUp(), { env: fallbackEnv(tmp) });
    expect((await open.waitForEvent('status_server_listening', { timeoutMs: DEADLINE_MS }))['stateFile']).toBeNull();
    expect(open.events('state_dir_unsafe')).toEqual([expect.objectContaining({ stateDir: fallback, reason: 'writable_by_others' })]);
    expect(readdirSync(fallback)).toEqual([]);
  });

  it('is made 0700 when missing, and holds a 0600 state file that status reads', async () => {
    const { tmp, fallback } = sandbox();
    const supervisor = new SupervisorProcess(staysUp(), { env: fallbackEnv(tmp) });
    const listening = await supervisor.waitForEvent('status_server_listening', { timeoutMs: DEADLINE_MS });
    expect(listening['stateFile']).toBe(join(fallback, 'chat.json'));
    expect(statSync(fallback).mode & 0o7777).toBe(0o700);
    expect(statSync(join(fallback, 'chat.json')).mode & 0o777).toBe(0o600);
    expect(supervisor.events('state_dir_unsafe')).toEqual([]);
    const run = await runCli(['status', '--json'], { env: fallbackEnv(tmp) });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ name: 'chat', pid: supervisor.pid, status: 'running' })]);
  });
});

describe('a state dir set by the user that is not safe', () => {
  it('stops the start with exit 78 and one line naming the setting, before the child starts, and writes nothing', async () => {
    requireRoot();
    const { root } = sandbox();
    const etc = join(root, 'etc');
    mkdirSync(etc);
    const target = victim(join(etc, 'chat.json'));
    const linked = join(root, 'linked');
    symlinkSync(etc, linked);
    const foreign = join(root, 'foreign');
    mkdirSync(foreign, { mode: 0o700 });
    giveToNobody(foreign);
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o757);

    const cases = [
      { dir: linked, args: ['--state-dir', linked], env: {}, setting: '--state-dir', why: 'is a symlink' },
      { dir: foreign, args: [], env: { MPM_STATE_DIR: foreign }, setting: 'MPM_STATE_DIR (stateDir)', why: `belongs to uid ${NOBODY.uid}, not to uid 0 who runs this supervisor` },
      { dir: open, args: ['--state-dir', open], env: {}, setting: '--state-dir', why: 'can be written by other users (mode 0757)' },
    ];
    for (const { dir, args, env, setting, why } of cases) {
      const supervisor = new SupervisorProcess(staysUp(...args), { env });
      const exit = await supervisor.waitForExit(DEADLINE_MS);
      expect({ dir, exit, stderr: supervisor.stderr }).toEqual({
        dir,
        exit: { code: 78, signal: null },
        stderr: expect.stringMatching(new RegExp(`^mpm-supervise: ${escape(setting)}: ${escape(dir)} ${escape(why)}[^\n]*; [^\n]+\n$`)),
      });
      expect(supervisor.childPids()).toEqual([]);
    }
    expect(readFileSync(target, 'utf8')).toBe(PRECIOUS);
    expect(readdirSync(etc)).toEqual(['chat.json']);
    expect(readdirSync(foreign)).toEqual([]);
    expect(readdirSync(open)).toEqual([]);
    expect(existsSync(join(root, 'chat.json'))).toBe(false);
  });
});
