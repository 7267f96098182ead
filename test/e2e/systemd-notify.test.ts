import { afterEach, describe, expect, it } from '@jest/globals';
import { NotifyReceiver } from '../helpers/notify.js';
import { freePort } from '../helpers/ports.js';
import { demoServerPath, destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

const receivers: NotifyReceiver[] = [];
afterEach(async () => {
  await destroyAllSupervisors();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(): Promise<NotifyReceiver> {
  const created = new NotifyReceiver();
  receivers.push(created);
  await created.bound();
  return created;
}

describe('the systemd notify protocol', () => {
  it('sends READY=1 once the child is ready, STATUS= on changes, RELOADING=1/READY=1 around SIGHUP, WATCHDOG=1, then STOPPING=1', async () => {
    const notify = await receiver();
    const port = await freePort();
    const supervisor = new SupervisorProcess(['--port', String(port), '--check-interval', '500ms', '--', 'node', demoServerPath], {
      env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '1000000' },
    });
    const { pid: childPid } = await supervisor.waitForListening();
    await waitUntil(() => notify.count('READY=1') === 1, { what: 'READY=1' });
    const ready = notify.messages.find((fields) => fields.includes('READY=1'))!;
    expect(ready).toContain(`STATUS=child ${childPid} running; pass; 0 restarts; breaker closed`);
    // Every datagram before READY=1 was a status line: systemd must not hear "ready" early.
    const beforeReady = notify.messages.slice(0, notify.messages.indexOf(ready));
    expect(beforeReady.every((fields) => fields.every((field) => field.startsWith('STATUS=') || field === 'WATCHDOG=1'))).toBe(true);

    // Half of WATCHDOG_USEC: a ping every 500 ms while the supervisor works.
    const pingsBefore = notify.count('WATCHDOG=1');
    await waitUntil(() => notify.count('WATCHDOG=1') >= pingsBefore + 2, { what: 'two more WATCHDOG=1 pings' });

    supervisor.signal('SIGHUP');
    await waitUntil(() => notify.count('READY=1') === 2, { what: 'READY=1 after the reload' });
    const reloading = notify.messages.find((fields) => fields.includes('RELOADING=1'))!;
    expect(reloading.find((field) => field.startsWith('MONOTONIC_USEC='))).toMatch(/^MONOTONIC_USEC=\d+$/);

    // A restart of the child shows in the status line, without another READY=1.
    supervisor.signal('SIGUSR2');
    await waitUntil(() => notify.messages.some((fields) => fields.some((field) => /^STATUS=child \d+ running; pass; 1 restart; breaker closed$/.test(field))), {
      what: 'a status line for the restarted child',
    });

    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await waitUntil(() => notify.count('STOPPING=1') === 1, { what: 'STOPPING=1' });
    expect(notify.sequence(['READY', 'RELOADING', 'STOPPING'])).toEqual(['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
    // Nothing after STOPPING=1 but status lines: no READY=1, no more pings.
    const stopping = notify.messages.findIndex((fields) => fields.includes('STOPPING=1'));
    expect(
      notify.messages
        .slice(stopping + 1)
        .flat()
        .filter((field) => !field.startsWith('STATUS=')),
    ).toEqual([]);
  });

  it("keeps NOTIFY_SOCKET and WATCHDOG_USEC out of the child's environment", async () => {
    const notify = await receiver();
    const supervisor = new SupervisorProcess(['--', 'node', fixturePath('print-env.mjs')], { env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '30000000' } });
    const line = await supervisor.waitForRecord((record) => record.source === 'child' && record.message.startsWith('env '), { what: 'the env line' });
    expect(line.message).toMatch(/ NOTIFY_SOCKET=- WATCHDOG_USEC=-$/);
    await waitUntil(() => notify.count('READY=1') === 1, { what: 'READY=1' });
  });

  it('says once, and goes on, when the notify socket is gone', async () => {
    const notify = await receiver();
    await notify.close();
    receivers.splice(receivers.indexOf(notify), 1);
    const supervisor = new SupervisorProcess(['--', 'node', fixturePath('print-env.mjs')], { env: { NOTIFY_SOCKET: notify.path } });
    const failed = await supervisor.waitForEvent('systemd_notify_failed');
    expect(failed.message).toMatch(/could not notify systemd \(STATUS=child idle; 0 restarts; breaker closed\): sendto NOTIFY_SOCKET: No such file or directory/);
    await supervisor.waitForRecord((record) => record.source === 'child' && record.message.startsWith('env '), { what: 'the child to run' });
    expect(supervisor.events('systemd_notify_failed')).toHaveLength(1);
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
  });
});
