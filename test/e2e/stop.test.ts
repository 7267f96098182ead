import { afterEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { demoServerPath, destroyAllSupervisors, SupervisorProcess } from '../helpers/supervisor.js';

afterEach(destroyAllSupervisors);

async function grandchildPid(supervisor: SupervisorProcess): Promise<number> {
  const line = await supervisor.waitForRecord((r) => r.source === 'child' && /demo-grandchild pid=\d+/.test(r.message), {
    what: 'the grandchild to start',
  });
  return Number(/pid=(\d+)/.exec(line.message)![1]);
}

describe('mpm-supervise stops the child', () => {
  it('on SIGTERM stops the child and its grandchild, then exits 0', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath], {
      env: { DEMO_SPAWN_GRANDCHILD: '1' },
    });
    const { pid } = await supervisor.waitForListening();
    const grandchild = await grandchildPid(supervisor);

    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone([pid, grandchild]);
    expect(supervisor.events('child_stopped')).toHaveLength(1);
    expect(supervisor.records.at(-1)).toMatchObject({ event: 'supervisor_stopped', exitCode: 0 });
  });

  it('SIGKILLs the group after --kill-timeout when the child ignores SIGTERM', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--kill-timeout', '500ms', '--', 'node', demoServerPath], {
      env: { DEMO_IGNORE_SIGTERM: '1', DEMO_SPAWN_GRANDCHILD: 'stubborn' },
    });
    const { pid } = await supervisor.waitForListening();
    const grandchild = await grandchildPid(supervisor);

    supervisor.signal('SIGTERM');
    const escalated = await supervisor.waitForEvent('child_kill_escalated');
    expect(escalated['childPid']).toBe(pid);
    expect(Number(escalated['afterMs'])).toBeGreaterThanOrEqual(495);
    expect(escalated['members']).toEqual(expect.arrayContaining([pid, grandchild]));
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    expect(supervisor.events('child_exited')[0]).toMatchObject({ childPid: pid, signal: 'SIGKILL', expected: true });
    await expectAllGone([pid, grandchild]);
  });

  it('kills at once on a second SIGINT instead of waiting out the kill timeout', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--kill-timeout', '10m', '--', 'node', demoServerPath], {
      env: { DEMO_IGNORE_SIGTERM: '1' },
    });
    const { pid } = await supervisor.waitForListening();
    supervisor.signal('SIGINT');
    await supervisor.waitForEvent('child_stopping');
    supervisor.signal('SIGINT');
    // Far less than the 10 minutes the first SIGINT granted.
    expect(await supervisor.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(supervisor.events('child_exited')[0]).toMatchObject({ childPid: pid, signal: 'SIGKILL' });
    await expectAllGone([pid]);
  });

  it('stops a child that was stopped with SIGSTOP', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--kill-timeout', '10m', '--', 'node', demoServerPath]);
    const { pid } = await supervisor.waitForListening();
    process.kill(pid, 'SIGSTOP');
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(supervisor.events('child_exited')[0]).toMatchObject({ childPid: pid, expected: true });
    await expectAllGone([pid]);
  });
});
