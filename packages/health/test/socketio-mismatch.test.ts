import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Server } from 'socket.io';
import { SocketIoChecker, type HealthMetric, type ProbeAddress } from '../src/index.js';
import { contextWith, freePort, localAddress, targetFor } from './helpers/check.js';

// Servers that are not what the probe expects, as users run them: each answers (or stays
// silent) in its own way, and none of it may read as a hung child.

const servers: Array<HttpServer | TcpServer> = [];
const ioServers: Server[] = [];
const checkers: SocketIoChecker[] = [];

afterEach(async () => {
  for (const checker of checkers.splice(0)) checker.close();
  await Promise.all(ioServers.splice(0).map((io) => new Promise<void>((resolve) => void io.close(() => resolve()))));
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function listening<T extends HttpServer | TcpServer>(server: T, host = '127.0.0.1'): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

function httpServer(handler: RequestListener): Promise<number> {
  return listening(createHttpServer(handler));
}

/** socket.io on its own path; every other path is a 404, as an app's router would answer. */
async function socketIoServer(path: string, host = '127.0.0.1'): Promise<number> {
  const http = createHttpServer((_request, response) => response.writeHead(404).end('not found'));
  ioServers.push(new Server(http, { path }));
  return listening(http, host);
}

/**
 * A Socket.IO server behind a gate that cuts the connections `cut` names (counted from 1)
 * before a byte is read, as a server not listening yet or a proxy that breaks the client would.
 */
async function gatedSocketIoServer(cut: (connection: number) => boolean): Promise<number> {
  const http = createHttpServer();
  ioServers.push(new Server(http));
  servers.push(http);
  let connections = 0;
  return listening(
    createTcpServer((socket) => {
      connections += 1;
      if (cut(connections)) socket.destroy();
      else http.emit('connection', socket);
    }),
  );
}

async function probe(address: ProbeAddress, timeoutMs = 2000, generation = 1): Promise<HealthMetric> {
  const checker = new SocketIoChecker();
  checkers.push(checker);
  const [metric] = await checker.check(targetFor(process.pid, { address, generation }), contextWith({ timeoutMs }));
  return metric!;
}

describe('SocketIoChecker against servers of another kind', () => {
  it('calls a plain HTTP server a mismatch, with its status and the setting to change, not a failure', async () => {
    const port = await httpServer((_request, response) => response.writeHead(404).end());

    const metric = await probe(localAddress(port));

    expect(metric).toMatchObject({ name: 'socketioLatencyMs', status: 'unknown', value: null });
    expect(metric.mismatch).toEqual({ cause: 'HTTP 404 at /socket.io/', hint: expect.stringContaining('health.probePath') });
    expect(metric.mismatch?.hint).toMatch(/health\.checks\.socketio\.enabled to false/);
    expect(metric.message).toMatch(/HTTP 404 at \/socket\.io\/, not counted against the child/);
  });

  it('says when a server answers 200 with something that is not Engine.IO', async () => {
    const port = await httpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>welcome</h1>'));

    const metric = await probe(localAddress(port));

    expect(metric).toMatchObject({ status: 'unknown', mismatch: { cause: 'HTTP 200 at /socket.io/, but not an Engine.IO answer' } });
  });

  it('reaches a Socket.IO server on another path through health.probePath, and names the 404 without it', async () => {
    const port = await socketIoServer('/realtime/');

    const elsewhere = await probe(localAddress(port));
    const there = await probe({ ...localAddress(port), path: '/realtime/' });

    expect(elsewhere).toMatchObject({ status: 'unknown', mismatch: { cause: 'HTTP 404 at /socket.io/' } });
    expect(there).toMatchObject({ status: 'healthy' });
    expect(typeof there.value).toBe('number');
  });

  it('tells a short probe, which such a server holds for a second on its websocket attempt, where to look', async () => {
    // engine.io holds an upgrade request to a path it does not serve for a second before it drops it.
    const port = await socketIoServer('/realtime/');

    const metric = await probe(localAddress(port), 300);

    expect(metric).toMatchObject({ status: 'unknown', value: null });
    expect(metric.mismatch?.hint).toMatch(/set health\.probePath/);
  });

  it('does not call silence a hang before the probe has ever answered for this child', async () => {
    // Reads and never says a word: a server of another protocol, or one that hangs from its start.
    const port = await listening(createTcpServer((socket) => socket.resume()));

    const metric = await probe(localAddress(port), 300);

    expect(metric).toMatchObject({ status: 'unknown', value: null });
    expect(metric.mismatch?.cause).toBe('no Socket.IO handshake within 300 ms, and no Socket.IO answer since the child started');
  });

  // The client's failed try is two connections (websocket, then polling); the plain request that explains it is the third.
  it('tries the client again when Engine.IO answers where it has just failed, as when the server starts listening in between', async () => {
    const port = await gatedSocketIoServer((connection) => connection <= 2);

    const metric = await probe(localAddress(port));

    expect(metric).toMatchObject({ status: 'healthy' });
    expect(metric.mismatch).toBeUndefined();
  });

  it('calls it a mismatch when the client fails again though Engine.IO answers a plain request', async () => {
    const port = await gatedSocketIoServer((connection) => connection !== 3);

    const metric = await probe(localAddress(port));

    expect(metric).toMatchObject({ status: 'unknown', value: null });
    expect(metric.mismatch).toEqual({
      cause: 'the Socket.IO client could not connect, though /socket.io/ answers Engine.IO',
      hint: expect.stringMatching(/health\.checks\.socketio\.enabled to false/),
    });
  });

  it('finds a server that listens on [::1] only through the fallback address', async () => {
    const port = await socketIoServer('/socket.io/', '::1');
    const address = { ...localAddress(port), fallback: { ...localAddress(port), host: '::1', url: `http://[::1]:${port}`, shownUrl: `http://[::1]:${port}` } };

    const metric = await probe(address);

    expect(metric).toMatchObject({ status: 'healthy' });
    expect(metric.message).toMatch(new RegExp(`^Socket\\.IO handshake at http://\\[::1\\]:${port} \\(nothing listens on 127\\.0\\.0\\.1\\): `));
  });

  it('stays critical when nothing listens on either address', async () => {
    const port = await freePort();
    const address = { ...localAddress(port), fallback: { ...localAddress(port), host: '::1', url: `http://[::1]:${port}`, shownUrl: `http://[::1]:${port}` } };

    const metric = await probe(address);

    expect(metric).toMatchObject({ status: 'critical', value: null });
    expect(metric.message).toMatch(/is not answering: connection refused$/);
  });
});
