// The agent in a real child: the built demo server, spawned with an IPC channel as the
// supervisor spawns Node children, talked to with the messages of docs/design.md §7.
import { afterEach, describe, expect, it } from '@jest/globals';
import { PROBE_PING_EVENT, type ProbePingReply, type ServiceStats } from '@mpm/protocol';
import type { Socket } from 'socket.io-client';
import { waitUntil } from '../../../test/helpers/wait.js';
import { connectClient, connectClients, disconnectAllClients, disconnection } from './helpers/clients.js';
import { DEADLINE_MS, within } from './helpers/deadline.js';
import { DemoChild, killAllDemoChildren } from './helpers/demo-child.js';

afterEach(async () => {
  disconnectAllClients();
  await killAllDemoChildren();
});

/** Pings until the stats satisfy `done` (the server handles client packets asynchronously). */
async function pingUntil(child: DemoChild, done: (stats: ServiceStats) => boolean, what: string): Promise<ServiceStats> {
  let last: ServiceStats | undefined;
  await waitUntil(
    async () => {
      last = await child.ping();
      return done(last);
    },
    { timeoutMs: DEADLINE_MS, what: `${what} (last stats: ${JSON.stringify(last)})` },
  );
  return last!;
}

/** Each client emits two plain events and one `fail`, which the demo's middleware rejects. */
function emitTraffic(clients: readonly Socket[]): { events: number; fails: number } {
  for (const client of clients) {
    client.emit('hello', 1);
    client.emit('hello', 2);
    client.emit('fail');
  }
  return { events: clients.length * 3, fails: clients.length };
}

describe('the agent in the demo server, over IPC', () => {
  it('says ready with its real port, and its pongs count clients, events and errors but not the probe', async () => {
    const child = new DemoChild();
    const ready = await child.ready();
    expect(ready).toEqual({ type: 'mpm:ready', port: expect.any(Number), address: '127.0.0.1' });
    const port = ready.port!;
    await child.waitForOutput(new RegExp(`listening on 127\\.0\\.0\\.1:${port} `));
    await child.waitForOutput(/agent attached to the IPC channel/);

    const probe = await connectClient(port, { probe: true });
    const reply = (await within(probe.timeout(5000).emitWithAck(PROBE_PING_EVENT), 'the probe ping ack')) as ProbePingReply;
    expect(reply).toEqual({ pong: true, pid: child.pid });
    const idle = await child.ping();
    expect(idle).toMatchObject({ clients: 0, eventsTotal: 0, errorsTotal: 0, lastEventAt: null });

    const first = await connectClients(port, 5);
    expect((await child.ping()).clients).toBe(5);
    const startedAt = Date.now();
    const firstTraffic = emitTraffic(first);
    await pingUntil(child, (stats) => stats.eventsTotal >= firstTraffic.events && stats.errorsTotal >= firstTraffic.fails, 'the first events');
    expect(await child.ping()).toMatchObject({ clients: 5, eventsTotal: 15, errorsTotal: 5 });

    const more = await connectClients(port, 20);
    await probe.timeout(5000).emitWithAck(PROBE_PING_EVENT); // the probe's traffic is not the service's
    expect((await child.ping()).clients).toBe(25);
    const secondTraffic = emitTraffic([...first, ...more]);
    const events = firstTraffic.events + secondTraffic.events;
    const fails = firstTraffic.fails + secondTraffic.fails;
    await pingUntil(child, (stats) => stats.eventsTotal >= events && stats.errorsTotal >= fails, 'all events');

    // Reached, and not overshot: exactly what the clients emitted (15 + 75 events, 5 + 25 of them `fail`).
    const stats = await child.ping();
    expect(stats).toMatchObject({ clients: 25, eventsTotal: 90, errorsTotal: 30 });
    expect(stats.lastEventAt).toBeGreaterThanOrEqual(startedAt);
    expect(stats.lastEventAt).toBeLessThanOrEqual(Date.now());
    expect(stats.heapUsedBytes).toBeGreaterThan(0);
    expect(stats.uptimeSeconds).toBeGreaterThan(0);
    expect(stats.eventLoopLagMs).toBeGreaterThanOrEqual(0);
    // Each rejected `fail` is a real server-side socket error, and the demo server says so
    // (on stdout, which may lag behind the pongs on the IPC channel).
    const rejections = (): number => child.stdout.match(/error: rejected a fail event/g)?.length ?? 0;
    await waitUntil(() => rejections() >= 30, { timeoutMs: DEADLINE_MS, what: '30 rejected fail events on stdout' });
    expect(rejections()).toBe(30);
    expect(child.invalid).toEqual([]);
  });

  it('clears connections: every client is disconnected, the ack counts them without the probe, and clients drop to 0', async () => {
    const child = new DemoChild();
    const { port } = await child.ready();
    const probe = await connectClient(port!, { probe: true });
    const clients = await connectClients(port!, 5);
    expect((await child.ping()).clients).toBe(5);
    const reasons = clients.map(disconnection);
    const probeGone = disconnection(probe);

    const ack = await child.clearConnections();

    expect(ack.disconnected).toBe(5);
    // The connection closes under them: clients may come back (socket.io-client reconnects).
    expect(await within(Promise.all(reasons), 'every client to be disconnected')).toEqual(Array(5).fill('transport close'));
    await within(probeGone, 'the probe to be disconnected');
    await pingUntil(child, (stats) => stats.clients === 0, 'clients 0 after clearing');
    await child.waitForOutput(/cleared connections at the supervisor's request \(5 clients\)/);
    // The server itself is fine: it takes new clients.
    await connectClient(port!);
    expect((await child.ping()).clients).toBe(1);
  });

  it('lets a client that reconnects come back after clear-connections', async () => {
    const child = new DemoChild();
    const { port } = await child.ready();
    const client = await connectClient(port!, { reconnect: true });
    let connects = 1;
    client.on('connect', () => (connects += 1));

    expect((await child.clearConnections()).disconnected).toBe(1);

    await pingUntil(child, () => connects === 2, 'the client to reconnect');
    expect((await child.ping()).clients).toBe(1);
  });

  it('exits 0 after mpm:shutdown, disconnecting its clients', async () => {
    const child = new DemoChild();
    const { port } = await child.ready();
    const client = await connectClient(port!);
    const gone = disconnection(client);

    child.send({ type: 'mpm:shutdown', id: child.nextId(), graceMs: 5000 });

    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    await within(gone, 'the client to be disconnected');
    expect(child.stdout).toContain('mpm agent: the supervisor asked for a shutdown; closing (grace 5000 ms)\n');
  });

  it('still exits 0 on SIGTERM with the agent attached', async () => {
    const child = new DemoChild();
    await child.ready();
    child.process.kill('SIGTERM');
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(child.stdout).toContain('demo-server shutting down (SIGTERM)\n');
  });

  it('ignores malformed and foreign messages, and still answers a good ping', async () => {
    const child = new DemoChild();
    await child.ready();
    const bad: unknown[] = [
      { type: 'mpm:ping' },
      { type: 'mpm:ping', id: -1 },
      { type: 'mpm:ping' },
      { type: 'mpm:nope', id: 1 },
      { type: 'mpm:shutdown', id: 2, graceMs: 'soon' },
      { type: 'mpm:clear-connections' },
      { type: 'app:hello', id: 3 },
      { hello: 'world' },
      'mpm:ping',
      42,
      [1, 2, 3],
    ];
    for (const value of bad) child.send(value);

    const stats = await child.ping();

    expect(stats.clients).toBe(0);
    expect(child.process.exitCode).toBeNull();
    // Nothing answered the bad ones: the only reply is the good ping's pong.
    expect(child.messages.map((message) => message.type)).toEqual(['mpm:ready', 'mpm:pong']);
    // The warnings come on stdout, which may lag behind the pong on the IPC channel. The
    // shutdown line is written after every line the pings could cause, so once it is there
    // the count is final: one line per kind of malformed message, however often it came.
    await child.waitForOutput(/ignoring an invalid mpm:nope message \(unknown message type\)/);
    await child.waitForOutput(/ignoring an invalid mpm:shutdown message/);
    expect(child.stdout.match(/ignoring an invalid mpm:ping message \(id: expected a whole number\)/g)).toHaveLength(1);
  });
});
