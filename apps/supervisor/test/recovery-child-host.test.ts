import { describe, expect, it } from '@jest/globals';
import type { ChildController } from '@mpm/child';
import type { ConfigUpdates } from '@mpm/config';
import type { HangReport } from '@mpm/recovery';
import { ChildRecoveryHost, type HostContext } from '../src/recovery/child-host.js';

const REPORT: HangReport = { kind: 'stack', frames: [{ functionName: 'blockForever', url: 'file:///srv/app.js', line: 30, column: 5 }], depth: 4, tookMs: 90 };

/** A controller that runs generation 1 as pid 4242 and records what is done to it. */
function fakeController() {
  const calls: string[] = [];
  const controller = {
    generation: 1,
    pid: 4242 as number | undefined,
    state: { kind: 'running' },
    kill: (reason: string, then: string) => {
      calls.push(`kill ${reason} ${then}`);
      controller.generation += 1;
      controller.pid = 4343;
      return Promise.resolve();
    },
  };
  return { controller, calls };
}

function hostWith(hangReport: HostContext['hangReport']) {
  const { controller, calls } = fakeController();
  const host = new ChildRecoveryHost({
    controller: controller as unknown as ChildController,
    config: {} as ConfigUpdates,
    agentFor: () => undefined,
    isStopping: () => false,
    giveUp: () => undefined,
    ...(hangReport === undefined ? {} : { hangReport }),
  });
  return { host, controller, calls };
}

describe('ChildRecoveryHost.emergencyStop', () => {
  it('takes a hang report of a hung child first, then kills it, and returns the report', async () => {
    const asked: Array<[number, number]> = [];
    const { host, calls } = hostWith((pid, generation) => {
      asked.push([pid, generation]);
      calls.push('report');
      return Promise.resolve(REPORT);
    });
    expect(await host.emergencyStop(1, 'hung')).toEqual({ done: true, detail: 'SIGKILL to the process group at once; new child 4343', hangReport: REPORT });
    expect(asked).toEqual([[4242, 1]]);
    expect(calls).toEqual(['report', 'kill recovery restart']);
  });

  it('takes none for another class, nor when forensics are off', async () => {
    const taken: number[] = [];
    const { host } = hostWith((pid) => {
      taken.push(pid);
      return Promise.resolve(REPORT);
    });
    expect(await host.emergencyStop(1, 'stopped')).not.toHaveProperty('hangReport');
    expect(taken).toEqual([]);
    const off = hostWith(() => Promise.resolve(undefined));
    expect(await off.host.emergencyStop(1, 'hung')).toEqual({ done: true, detail: 'SIGKILL to the process group at once; new child 4343' });
    expect(off.calls).toEqual(['kill recovery restart']);
  });

  it('kills all the same when taking the report fails', async () => {
    const { host, calls } = hostWith(() => Promise.reject(new Error('a listener threw')));
    expect(await host.emergencyStop(1, 'hung')).toMatchObject({ done: true, hangReport: { kind: 'unavailable', reason: 'the hang report failed: a listener threw' } });
    expect(calls).toEqual(['kill recovery restart']);
  });

  it('kills nothing when the child was replaced while the report was taken', async () => {
    const { host, controller, calls } = hostWith(() => {
      // It died on its own meanwhile, and a new child was spawned.
      controller.generation = 2;
      return Promise.resolve(REPORT);
    });
    expect(await host.emergencyStop(1, 'hung')).toEqual({ done: false, reason: 'child generation 1 is no longer running' });
    expect(calls).toEqual([]);
  });
});
