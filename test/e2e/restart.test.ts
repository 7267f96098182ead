import { afterEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { pingUntilAnswered } from '../helpers/socketio.js';
import { demoServerPath, destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';

afterEach(destroyAllSupervisors);

describe('mpm-supervise restarts the child', () => {
  it('restarts a crashed demo server, which then answers a Socket.IO ping again', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath]);
    const first = await supervisor.waitForListening();
    expect((await pingUntilAnswered(first.port)).pid).toBe(first.pid);

    process.kill(first.pid, 'SIGKILL');

    const exit = await supervisor.waitForEvent('child_exited');
    expect(exit).toMatchObject({ childPid: first.pid, signal: 'SIGKILL', exitCode: null, expected: false, level: 'error' });
    const second = await supervisor.waitForListening({ from: supervisor.records.indexOf(exit) });
    expect(second.pid).not.toBe(first.pid);
    expect((await pingUntilAnswered(second.port)).pid).toBe(second.pid);
    expect(supervisor.events('child_spawned').at(-1)).toMatchObject({ childPid: second.pid, restarts: 1 });

    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone([first.pid, second.pid]);
  });

  it('reports the exit code of a crash and restarts after it', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath], {
      env: { DEMO_CRASH_AFTER_MS: '200' },
    });
    const exit = await supervisor.waitForEvent('child_exited');
    expect(exit).toMatchObject({ exitCode: 1, signal: null, expected: false });
    await supervisor.waitForEvent('child_spawned', { from: supervisor.records.indexOf(exit) });
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    await expectAllGone(supervisor.childPids());
  });

  it('backs off in a crash loop: the first restart is immediate, each one after waits twice as long as the one before', async () => {
    const supervisor = new SupervisorProcess(['--', 'node', demoServerPath], { env: { DEMO_EXIT_AT_START: '1' } });
    // Five spawns: the fifth quick crash opens the circuit breaker.
    await supervisor.waitForRecord(() => supervisor.events('child_spawned').length >= 5, { timeoutMs: 30_000, what: 'five spawns' });
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);

    const delays = supervisor
      .events('child_restart_scheduled')
      .slice(0, 4)
      .map((record) => record['delayMs']);
    expect(delays).toEqual([0, 100, 200, 400]);
    // The gaps a user sees between spawns grow with the delays (and are never shorter).
    const spawnedAt = supervisor.events('child_spawned').map((record) => Date.parse(String(record['timestamp'])));
    const exitedAt = supervisor.events('child_exited').map((record) => Date.parse(String(record['timestamp'])));
    for (let i = 0; i < 4; i += 1) {
      expect(spawnedAt[i + 1]! - exitedAt[i]!).toBeGreaterThanOrEqual(Number(delays[i]) - 5);
    }
    expect(spawnedAt[4]! - spawnedAt[0]!).toBeGreaterThanOrEqual(700 - 5);
    await expectAllGone(supervisor.childPids());
  });

  it('restarts the child gracefully on SIGUSR2', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath]);
    const first = await supervisor.waitForListening();
    supervisor.signal('SIGUSR2');

    const exit = await supervisor.waitForEvent('child_exited');
    expect(exit).toMatchObject({ childPid: first.pid, expected: true, reason: 'operator', exitCode: 0 });
    const second = await supervisor.waitForListening({ from: supervisor.records.indexOf(exit) });
    expect(second.pid).not.toBe(first.pid);
    expect((await pingUntilAnswered(second.port)).pid).toBe(second.pid);
    // An operator's restart is not a crash: no backoff delay.
    expect(supervisor.events('child_restart_scheduled')).toHaveLength(0);
    await expectAllGone([first.pid]);

    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    await expectAllGone([second.pid]);
  });

  it('merges a burst of SIGUSR2 (20 in 0.4 s) into one restart, and says so once', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', fixturePath('stays-up.mjs')]);
    await supervisor.waitForEvent('child_spawned');
    for (let sent = 0; sent < 20; sent += 1) {
      supervisor.signal('SIGUSR2');
      // Spread as a script's loop spreads them: signals sent together would merge in the kernel.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const merged = await supervisor.waitForRecord((record) => record['event'] === 'supervisor_signal' && record['merged'] !== undefined, { what: 'the merged signals' });
    expect(merged.message).toMatch(/^received SIGUSR2 \d+ more time\(s\) during that restart: merged into it, not restarted again$/);
    // The kernel may merge a few of them itself: what arrived is one restart plus those merged.
    const restarting = supervisor.events('supervisor_signal').filter((record) => record.message === 'received SIGUSR2: restarting the child gracefully');
    expect(restarting).toHaveLength(1);
    expect(supervisor.events('child_spawned')).toHaveLength(2);
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    expect(supervisor.events('child_spawned')).toHaveLength(2);
    await expectAllGone(supervisor.childPids());
  });
});
