import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { PROBE_PING_EVENT } from '@mpm/protocol';
import { Server } from 'socket.io';
import { waitUntil } from '../../../test/helpers/wait.js';
import { SocketIoChecker, type AgentView, type HealthTarget } from '../src/index.js';
import { contextWith, freePort, localAddress, numberOf, targetFor } from './helpers/check.js';
import { Child, DEADLINE_MS, killAllChildren } from './helpers/children.js';

// A real socket.io-client against real Socket.IO servers: in this process where the server
// must answer, in a child process where its event loop must be blocked.

interface LiveServer {
  readonly io: Server;
  readonly port: number;
  /** Every handshake the server accepted, in order. */
  readonly connections: Array<{ id: string; auth: unknown }>;
}

const ioServers: Server[] = [];
const checkers: SocketIoChecker[] = [];

afterEach(async () => {
  // The checker first: a kept probe connection must not hold a server open.
  for (const checker of checkers.splice(0)) checker.close();
  await Promise.all(ioServers.splice(0).map((io) => new Promise<void>((resolve) => void io.close(() => resolve()))));
  await killAllChildren();
});

function newChecker(): SocketIoChecker {
  const checker = new SocketIoChecker();
  checkers.push(checker);
  return checker;
}

async function liveServer(setup: (io: Server) => void = () => {}): Promise<LiveServer> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  ioServers.push(io);
  const connections: LiveServer['connections'] = [];
  setup(io);
  io.on('connection', (socket) => connections.push({ id: socket.id, auth: socket.handshake.auth }));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, port: (http.address() as AddressInfo).port, connections };
}

/** An agent as the checker sees it: present, so the probe keeps its connection. */
const presentAgent: AgentView = {
  present: true,
  ready: undefined,
  ping: async () => ({ kind: 'unavailable', reason: 'not used by the socketio checker' }),
};

describe('SocketIoChecker', () => {
  it('is healthy against a live server, with a handshake latency, and does not keep the connection', async () => {
    const server = await liveServer();
    const target = targetFor(process.pid, { address: localAddress(server.port) });

    const metrics = await newChecker().check(target, contextWith());

    expect(metrics).toHaveLength(1);
    const [metric] = metrics;
    expect(metric).toMatchObject({ name: 'socketioLatencyMs', unit: 'ms', status: 'healthy' });
    expect(numberOf(metric!)).toBeLessThan(500);
    expect(metric!.message).toMatch(new RegExp(`^Socket\\.IO handshake at http://127\\.0\\.0\\.1:${server.port}: `));
    expect(server.connections).toHaveLength(1);
    await waitUntil(() => server.io.of('/').sockets.size === 0, { what: 'the probe to disconnect' });
  });

  it('is critical when nothing listens', async () => {
    const port = await freePort();
    const target = targetFor(process.pid, { address: localAddress(port) });

    const metrics = await newChecker().check(target, contextWith());

    expect(metrics).toEqual([expect.objectContaining({ name: 'socketioLatencyMs', status: 'critical', value: null })]);
    expect(metrics[0]!.message).toMatch(new RegExp(`^Socket\\.IO at http://127\\.0\\.0\\.1:${port} is not answering: `));
  });

  it('counts a handshake refused by the server middleware as responsive', async () => {
    const server = await liveServer((io) => io.use((_socket, next) => next(new Error('unauthorized'))));
    const target = targetFor(process.pid, { address: localAddress(server.port) });

    const [metric] = await newChecker().check(target, contextWith());

    expect(metric).toMatchObject({ name: 'socketioLatencyMs', status: 'healthy' });
    expect(typeof metric!.value).toBe('number');
    expect(metric!.message).toMatch(/refused by the server's middleware \("unauthorized"\), so it is responsive/);
    expect(server.connections).toHaveLength(0);
  });

  it('times out on a server whose event loop is blocked', async () => {
    const child = Child.fixture('socketio-blocks.mjs');
    const [, port] = (await child.line(/listening on 127\.0\.0\.1:(\d+)/, 'the listening line')) as unknown as [string, string];
    const target = targetFor(child.pid, { address: localAddress(Number(port)) });
    const checker = newChecker();
    // The same server answers while its loop runs.
    const [answering] = await checker.check(target, contextWith({ timeoutMs: DEADLINE_MS }));
    expect(answering!.status).toBe('healthy');

    child.send('block');
    await child.line(/blocking the event loop/, 'the blocking line');
    const started = Date.now();
    const [blocked] = await checker.check(target, contextWith({ timeoutMs: 500 }));
    const tookMs = Date.now() - started;

    expect(blocked).toMatchObject({ name: 'socketioLatencyMs', status: 'critical', value: null });
    expect(blocked!.message).toBe(`Socket.IO at http://127.0.0.1:${port} is not answering: no Socket.IO handshake within 500 ms`);
    // It waited for its timeout, and not much longer.
    expect(tookMs).toBeGreaterThanOrEqual(450);
    expect(tookMs).toBeLessThan(5000);
  });

  describe('with the agent present', () => {
    function pingingServer(): Promise<LiveServer> {
      return liveServer((io) => io.on('connection', (socket) => socket.on(PROBE_PING_EVENT, (ack: (reply: unknown) => void) => ack({ pong: true, pid: process.pid }))));
    }

    it('keeps one connection and pings over it', async () => {
      const server = await pingingServer();
      const target: HealthTarget = targetFor(process.pid, { address: localAddress(server.port), agent: presentAgent });
      const checker = newChecker();

      const [first] = await checker.check(target, contextWith());
      const [second] = await checker.check(target, contextWith());

      expect(first).toMatchObject({ status: 'healthy' });
      expect(first!.message).toMatch(/^Socket\.IO handshake at /);
      expect(second).toMatchObject({ name: 'socketioLatencyMs', status: 'healthy' });
      expect(second!.message).toMatch(new RegExp(`^Socket\\.IO ping at http://127\\.0\\.0\\.1:${server.port}: `));
      expect(typeof second!.value).toBe('number');
      // One handshake, marked as the supervisor's probe, and still open.
      expect(server.connections).toEqual([{ id: expect.any(String), auth: { mpmProbe: true } }]);
      expect(server.io.of('/').sockets.size).toBe(1);

      checker.close();
      await waitUntil(() => server.io.of('/').sockets.size === 0, { what: 'the kept connection to close' });
    });

    it('names the address it pings when the target makes its address afresh on each read', async () => {
      const server = await pingingServer();
      // As the supervisor's target does: a getter, so that a reloaded probeUrl applies at once.
      const target: HealthTarget = {
        ...targetFor(process.pid, { agent: presentAgent }),
        get address() {
          return localAddress(server.port);
        },
      };
      const checker = newChecker();

      await checker.check(target, contextWith());
      const [second] = await checker.check(target, contextWith());

      expect(second!.message).toMatch(new RegExp(`^Socket\\.IO ping at http://127\\.0\\.0\\.1:${server.port}: `));
      checker.close();
      await waitUntil(() => server.io.of('/').sockets.size === 0, { what: 'the kept connection to close' });
    });

    it('calls an unanswered ping critical, and makes a fresh handshake next time', async () => {
      // No mpm:ping handler: the kept connection is open, the ping is never acked.
      const server = await liveServer();
      const target: HealthTarget = targetFor(process.pid, { address: localAddress(server.port), agent: presentAgent });
      const checker = newChecker();

      await checker.check(target, contextWith());
      const [missed] = await checker.check(target, contextWith({ timeoutMs: 300 }));
      const [again] = await checker.check(target, contextWith());

      expect(missed).toMatchObject({ status: 'critical', value: null });
      expect(missed!.message).toMatch(/no answer to a Socket\.IO ping within 300 ms/);
      expect(again!.message).toMatch(/^Socket\.IO handshake at /);
      expect(server.connections).toHaveLength(2);
    });

    it('drops the kept connection for a new generation of the child', async () => {
      const server = await pingingServer();
      const checker = newChecker();
      const address = localAddress(server.port);

      await checker.check(targetFor(process.pid, { address, agent: presentAgent, generation: 1 }), contextWith());
      const [next] = await checker.check(targetFor(process.pid, { address, agent: presentAgent, generation: 2 }), contextWith());

      expect(next!.message).toMatch(/^Socket\.IO handshake at /);
      expect(server.connections).toHaveLength(2);
      await waitUntil(() => server.io.of('/').sockets.size === 1, { what: 'the old kept connection to close' });
    });
  });
});
