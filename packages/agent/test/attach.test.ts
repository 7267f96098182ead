// attachAgent in-process, with a fake IPC channel (the jest worker's own channel is never
// used) and a real Socket.IO server on a free port.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { PROBE_PING_EVENT, type ServiceStats } from '@mpm/protocol';
import { Server } from 'socket.io';
import { waitUntil } from '../../../test/helpers/wait.js';
import { AgentOptionError, attachAgent, type AgentHandle, type AgentOptions } from '../src/index.js';
import { connectClient, disconnectAllClients } from './helpers/clients.js';
import { within } from './helpers/deadline.js';
import { FakeChannel } from './helpers/fake-channel.js';

const agents: AgentHandle[] = [];
const servers: Server[] = [];

afterEach(async () => {
  disconnectAllClients();
  for (const agent of agents.splice(0)) agent.detach();
  // io.close() throws for a Server that was never attached to an HTTP server (no engine).
  const attached = servers.splice(0).filter((io) => (io.engine as Server['engine'] | undefined) !== undefined);
  await Promise.all(attached.map((io) => io.close()));
});

function attach(io: Server, options: AgentOptions): AgentHandle {
  const agent = attachAgent(io, options);
  agents.push(agent);
  return agent;
}

function newServer(httpServer?: HttpServer): Server {
  const io = httpServer === undefined ? new Server() : new Server(httpServer);
  servers.push(io);
  return io;
}

async function listening(httpServer: HttpServer): Promise<number> {
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return (httpServer.address() as AddressInfo).port;
}

let nextId = 1;
/** A ping through the fake channel; the agent answers before deliver() returns. */
function ping(channel: FakeChannel): ServiceStats {
  const id = nextId++;
  channel.deliver({ type: 'mpm:ping', id });
  const pong = channel.ofType('mpm:pong').find((message) => message['id'] === id);
  if (pong === undefined) throw new Error(`no pong for ping ${id}`);
  return pong['stats'] as ServiceStats;
}

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Spin: the event loop is blocked, as by a heavy synchronous task.
  }
}

describe('attachAgent without a channel', () => {
  it('returns an inactive handle and adds no listener or timer', () => {
    const io = newServer(createServer());
    const before = {
      process: process.listenerCount('message') + process.listenerCount('disconnect'),
      io: io.listenerCount('connection') + io.listenerCount('new_namespace'),
      resources: process.getActiveResourcesInfo().length,
    };

    const agent = attach(io, { channel: null });

    expect(agent.active).toBe(false);
    expect({
      process: process.listenerCount('message') + process.listenerCount('disconnect'),
      io: io.listenerCount('connection') + io.listenerCount('new_namespace'),
      resources: process.getActiveResourcesInfo().length,
    }).toEqual(before);
    agent.recordError(new Error('app error'));
    expect(agent.stats()).toMatchObject({ clients: 0, eventsTotal: 0, errorsTotal: 0, eventLoopLagMs: 0, lastEventAt: null });
  });

  it('names a bad option, what it expected and what it got', () => {
    const io = newServer();
    expect(() => attachAgent(io, { channel: new FakeChannel(), graceMs: -1 })).toThrow(new AgentOptionError('graceMs', 'a number of milliseconds from 0 to 2147483647', -1));
    expect(() => attachAgent(io, { channel: new FakeChannel(), lagResolutionMs: 0.5 })).toThrow('attachAgent: option lagResolutionMs must be a whole number of milliseconds ≥ 1, received 0.5');
  });
});

describe('mpm:ready', () => {
  it('goes out at once when the server already listens, with its port, and lets the channel go', async () => {
    const httpServer = createServer();
    const io = newServer(httpServer);
    const port = await listening(httpServer);
    const channel = new FakeChannel();

    attach(io, { channel });

    expect(channel.sent).toEqual([{ type: 'mpm:ready', port, address: '127.0.0.1' }]);
    expect(channel.unrefCalls).toBe(1);
  });

  it('goes out once the server starts listening after the agent is attached', async () => {
    const httpServer = createServer();
    const io = newServer(httpServer);
    const channel = new FakeChannel();
    attach(io, { channel });
    expect(channel.sent).toEqual([]);

    const port = await listening(httpServer);

    expect(channel.sent).toEqual([{ type: 'mpm:ready', port, address: '127.0.0.1' }]);
  });

  it('goes out when the io gets its HTTP server only after the agent is attached (io.listen)', async () => {
    const io = newServer();
    const channel = new FakeChannel();
    attach(io, { channel });

    io.listen(0);

    await waitUntil(() => channel.sent.length > 0, { what: 'mpm:ready' });
    const { port } = io.httpServer.address() as AddressInfo;
    expect(channel.ofType('mpm:ready')).toEqual([{ type: 'mpm:ready', port, address: expect.any(String) }]);
  });
});

describe('stats', () => {
  it('counts clients, events and errors on every namespace, including one made later, not the probe', async () => {
    const httpServer = createServer();
    const io = newServer(httpServer);
    const port = await listening(httpServer);
    const channel = new FakeChannel();
    const agent = attach(io, { channel });
    io.of('/chat').on('connection', (socket) => socket.use(([event], next) => next(event === 'bad' ? new Error('bad') : undefined)));

    const probe = await connectClient(port, { probe: true });
    const main = await connectClient(port);
    // On a namespace the agent only learnt of after it was attached.
    const chat = await connectClient(port, { namespace: '/chat' });

    expect(await within(probe.timeout(5000).emitWithAck(PROBE_PING_EVENT), 'probe ping')).toEqual({ pong: true, pid: process.pid });
    main.emit('one');
    chat.emit('two');
    chat.emit('bad');
    agent.recordError(new Error('the app failed'));
    await waitUntil(
      () => {
        const stats = ping(channel);
        return stats.eventsTotal >= 3 && stats.errorsTotal >= 2;
      },
      { what: 'three events, two errors' },
    );

    expect(ping(channel)).toMatchObject({ clients: 2, eventsTotal: 3, errorsTotal: 2 });
    expect(agent.stats()).toMatchObject({ clients: 2, eventsTotal: 3, errorsTotal: 2 });
    chat.disconnect();
    await waitUntil(() => ping(channel).clients === 1, { what: 'one client left' });
  });

  it('reports event-loop lag: a 300 ms block shows in the next pong as at least 200 ms', async () => {
    const io = newServer();
    const channel = new FakeChannel();
    attach(io, { channel });
    ping(channel); // starts a fresh window

    busyFor(300);

    // The histogram records the block when its timer next runs; the pong after that has it.
    let lag = 0;
    await waitUntil(
      () => {
        lag = ping(channel).eventLoopLagMs;
        return lag >= 200;
      },
      { timeoutMs: 5000, what: 'a pong with the lag' },
    );
    expect(lag).toBeGreaterThanOrEqual(200);
    expect(lag).toBeLessThan(60_000);
  });
});

describe('shutdown', () => {
  function shutdownAgent(close: () => Promise<void>, options: AgentOptions = {}): { channel: FakeChannel; exits: number[]; lines: string[] } {
    const channel = new FakeChannel();
    const exits: number[] = [];
    const lines: string[] = [];
    attach(newServer(), { channel, close, exit: (code) => exits.push(code), log: (line) => lines.push(line), ...options });
    return { channel, exits, lines };
  }

  it('on mpm:shutdown closes, then exits 0, once', async () => {
    let closes = 0;
    const { channel, exits, lines } = shutdownAgent(async () => {
      closes += 1;
    });

    channel.deliver({ type: 'mpm:shutdown', id: 1, graceMs: 1000 });
    channel.deliver({ type: 'mpm:shutdown', id: 2, graceMs: 1000 });
    channel.disconnect();

    await waitUntil(() => exits.length > 0, { what: 'exit' });
    expect(exits).toEqual([0]);
    expect(closes).toBe(1);
    expect(lines).toEqual(['mpm agent: the supervisor asked for a shutdown; closing (grace 1000 ms)']);
  });

  it('exits anyway, non-zero, when the close outlives the grace', async () => {
    const { channel, exits, lines } = shutdownAgent(() => new Promise<void>(() => {}));

    channel.deliver({ type: 'mpm:shutdown', id: 1, graceMs: 50 });

    await waitUntil(() => exits.length > 0, { what: 'the forced exit' });
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toBe('mpm agent: close took over 50 ms, exiting anyway');
  });

  it('exits non-zero when the close fails', async () => {
    const { channel, exits, lines } = shutdownAgent(() => Promise.reject(new Error('port stuck')));
    channel.deliver({ type: 'mpm:shutdown', id: 1, graceMs: 1000 });
    await waitUntil(() => exits.length > 0, { what: 'exit' });
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toBe('mpm agent: close failed: port stuck');
  });

  it('when the IPC channel closes, shuts down with the graceMs option', async () => {
    const { channel, exits, lines } = shutdownAgent(async () => {}, { graceMs: 1234 });
    channel.disconnect();
    await waitUntil(() => exits.length > 0, { what: 'exit' });
    expect(exits).toEqual([0]);
    expect(lines).toEqual(['mpm agent: the IPC channel to the supervisor closed; closing (grace 1234 ms)']);
  });

  it('when the channel is already closed at attach, shuts down on the next turn', async () => {
    const channel = new FakeChannel();
    channel.connected = false;
    const exits: number[] = [];
    attach(newServer(), { channel, close: async () => {}, exit: (code) => exits.push(code) });
    expect(exits).toEqual([]);
    await waitUntil(() => exits.length > 0, { what: 'exit' });
    expect(exits).toEqual([0]);
  });
});

describe('detach', () => {
  it('removes every listener it added, on the channel, the io, the engine and live sockets', async () => {
    const httpServer = createServer();
    const io = newServer(httpServer);
    const port = await listening(httpServer);
    await connectClient(port);
    const socket = [...io.of('/').sockets.values()][0]!;
    const channel = new FakeChannel();
    const counts = (): Record<string, number> => ({
      channel: channel.listenerCount('message') + channel.listenerCount('disconnect'),
      io: io.listenerCount('connection') + io.listenerCount('new_namespace'),
      engine: io.engine.listenerCount('connection_error'),
      http: httpServer.listenerCount('listening'),
      socketAny: socket.listenersAny().length,
      socket: socket.listenerCount('error') + socket.listenerCount('disconnect') + socket.listenerCount(PROBE_PING_EVENT),
      conn: socket.conn.listenerCount('close'),
    });
    const before = counts();
    const agent = attach(io, { channel });
    expect(counts()).not.toEqual(before);

    agent.detach();

    expect(agent.active).toBe(false);
    expect(counts()).toEqual(before);
    channel.deliver({ type: 'mpm:ping', id: 1 });
    channel.disconnect();
    expect(channel.ofType('mpm:pong')).toEqual([]);
  });
});
