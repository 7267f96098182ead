import { afterEach, describe, expect, it } from '@jest/globals';
import { procStats, readProcStat } from '@mpm/child';
import { expectAllGone, killQuietly } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// No process of the child's outlives the supervisor: the child dies with it even when it
// is SIGKILLed (PR_SET_PDEATHSIG through setpriv), and what left the child's process group
// is adopted (PR_SET_CHILD_SUBREAPER) and ended at a stop or a restart (docs/security.md).

const leftovers: number[] = [];

afterEach(async () => {
  await destroyAllSupervisors();
  for (const pid of leftovers.splice(0)) killQuietly(pid);
});

const orphanMaker = fixturePath('orphan-maker.mjs');

async function lingering(supervisor: SupervisorProcess, from = 0): Promise<number> {
  const line = await supervisor.waitForRecord((record) => record.source === 'child' && /^lingering \d+$/.test(record.message), { from, what: 'the lingering process' });
  const pid = Number(line.message.split(' ')[1]);
  leftovers.push(pid);
  return pid;
}

describe('processes that would escape the supervisor', () => {
  it('a child without an agent dies with a supervisor killed by SIGKILL', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'sleep', '300']);
    const spawned = await supervisor.waitForEvent('child_spawned');
    const childPid = Number(spawned['childPid']);
    leftovers.push(childPid);
    expect(supervisor.events('process_guard_unavailable')).toEqual([]);
    supervisor.signal('SIGKILL');
    expect(await supervisor.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });
    await expectAllGone([childPid]);
  });

  it('ends a descendant that left the process group (setsid) when the supervisor stops', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', orphanMaker], { env: { ORPHANS: '0', LINGER: '1' } });
    const pid = await lingering(supervisor);
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone([pid]);
    expect(supervisor.events('child_escapes_ended')).toEqual([
      expect.objectContaining({ level: 'warn', pids: [pid], killed: [], message: `ended 1 process(es) that had left the child's process group: ${pid} (sleep)` }),
    ]);
  });

  it('ends the escaped descendants of the old child before a restart spawns the new one', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', orphanMaker], { env: { ORPHANS: '0', LINGER: '1' } });
    const first = await lingering(supervisor);
    supervisor.signal('SIGUSR2');
    const respawned = await supervisor.waitForRecord((record) => record['event'] === 'child_spawned' && record['generation'] === 2, { what: 'the new child' });
    const ended = supervisor.events('child_escapes_ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ pids: [first], generation: 1 });
    expect(supervisor.records.indexOf(ended[0]!)).toBeLessThan(supervisor.records.indexOf(respawned));
    await expectAllGone([first]);
    // The new child's own lingering process is left alone while it runs.
    const second = await lingering(supervisor, supervisor.records.indexOf(respawned));
    expect(procStats().some((stat) => stat.pid === second && stat.state !== 'Z')).toBe(true);
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone([second]);
  });

  it('kills an escaped descendant that ignores the stop signal once the stop deadline has passed', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--kill-timeout', '1000', '--', 'node', orphanMaker], { env: { ORPHANS: '0', LINGER: 'stubborn' } });
    const pid = await lingering(supervisor);
    // Once it is the sleep, SIGTERM is ignored for good.
    await waitUntil(() => readProcStat(pid)?.name === 'sleep', { what: 'the stubborn process to be sleep' });
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone([pid]);
    expect(supervisor.events('child_escapes_ended')).toEqual([expect.objectContaining({ pids: [pid], killed: [pid] })]);
  });

  it('collects the orphans it adopts, so that none is left a zombie', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', orphanMaker], { env: { ORPHANS: '3' } });
    await waitUntil(() => supervisor.childLines().filter((line) => /^orphan \d+$/.test(line.message)).length === 3, { what: 'three orphans' });
    const orphans = supervisor.childLines().map((line) => Number(line.message.split(' ')[1]));
    // Each ran out (sleep 0.3) as the supervisor's adopted child, and was collected by it.
    await waitUntil(() => orphans.every((orphan) => !procStats().some((stat) => stat.pid === orphan)), { what: `orphans ${orphans.join(', ')} to be collected` });
    expect(procStats().filter((stat) => stat.ppid === supervisor.pid && stat.state === 'Z')).toEqual([]);
  });
});
