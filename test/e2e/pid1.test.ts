import { afterEach, describe, expect, it } from '@jest/globals';
import { namespaceMembers, pid1Launcher, supervisorHostPid, zombieChildrenOf } from '../helpers/pid-namespace.js';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

afterEach(destroyAllSupervisors);

describe('as PID 1 of a PID namespace', () => {
  it('collects orphaned grandchildren, and SIGTERM stops the child and everything left in the namespace', async () => {
    const supervisor = new SupervisorProcess(['--log-level', 'debug', '--', 'node', fixturePath('orphan-maker.mjs')], {
      launcher: pid1Launcher(),
      env: { ORPHANS: '2', LINGER: '1' },
    });
    await supervisor.waitForEvent('pid1');
    const orphanLines = await (async () => {
      await waitUntil(() => supervisor.childLines().filter((line) => /^(orphan|lingering) \d+$/.test(line.message)).length === 3, { what: 'the fixture to report its orphans' });
      return supervisor.childLines().map((line) => line.message);
    })();
    const orphans = orphanLines.filter((line) => line.startsWith('orphan ')).map((line) => Number(line.split(' ')[1]));
    expect(orphans).toHaveLength(2);

    // Each orphan ran out (sleep 0.3) while adopted by PID 1, and was collected.
    for (const orphan of orphans) {
      const reaped = await supervisor.waitForRecord((record) => record['event'] === 'orphan_reaped' && record['orphanPid'] === orphan, { what: `orphan ${orphan} to be collected` });
      expect(reaped).toMatchObject({ exitCode: 0, signal: null, pid: 1 });
    }
    const hostPid = supervisorHostPid(supervisor.pid);
    expect(hostPid).toBeDefined();
    await waitUntil(() => zombieChildrenOf(hostPid!).length === 0, { what: 'no zombie left under the supervisor' });

    // The lingering orphan sits in a session of its own: only PID 1's exit can end it.
    const members = namespaceMembers(hostPid!);
    expect(members.length).toBeGreaterThanOrEqual(3); // the supervisor, the child, the lingering sleep
    process.kill(hostPid!, 'SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    const exit = supervisor.events('child_exited').at(-1);
    expect(exit).toMatchObject({ exitCode: 0 });
    await expectAllGone(members);
  });
});
