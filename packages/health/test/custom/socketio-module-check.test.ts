import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Server } from 'socket.io';
import { CheckModuleError, moduleCheck, socketIoCheck, type HealthChecker, type HealthMetric, type HealthTarget, type SocketIoCheckOptions } from '../../src/index.js';
import { contextWith, freePort, localAddress, targetFor } from '../helpers/check.js';

// The socketio check against a real Socket.IO server in this process, and a module's
// HealthChecker wrapped so that what it gives is read as data.

const ioServers: Server[] = [];
afterEach(async () => {
  await Promise.all(ioServers.splice(0).map((io) => new Promise<void>((resolve) => void io.close(() => resolve()))));
});

async function liveServer(): Promise<{ port: number; connections: unknown[] }> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  ioServers.push(io);
  const connections: unknown[] = [];
  io.on('connection', (socket) => {
    connections.push(socket.handshake.auth);
    socket.on('health', (...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as (value: unknown) => void)(args.length > 1 ? { echo: args[0] } : 'ok');
    });
    socket.on('silent', () => undefined);
  });
  io.of('/admin').on('connection', (socket) => socket.on('health', (ack: (value: unknown) => void) => ack('admin ok')));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { port: (http.address() as AddressInfo).port, connections };
}

async function checkOnce(checker: HealthChecker, target: HealthTarget = targetFor(process.pid), timeoutMs = 3000): Promise<HealthMetric[]> {
  return checker.check(target, contextWith({ timeoutMs }));
}

const probe = () => ({ path: '/socket.io/', tls: { rejectUnauthorized: true } });
const sio = (options: Partial<SocketIoCheckOptions> & { event: string }) => socketIoCheck({ name: 'echo', probe, ...options });

describe('socketio check', () => {
  it("emits an event to the child's address and is healthy on its ack, with the ack's time as its value", async () => {
    const { port, connections } = await liveServer();
    const [metric] = await checkOnce(sio({ event: 'health', expect: 'ok' }), targetFor(process.pid, { address: localAddress(port) }));
    expect(metric).toMatchObject({ name: 'echo', status: 'healthy', unit: 'ms', value: expect.any(Number) });
    expect(metric?.message).toMatch(new RegExp(`^echo: "health" at http://127\\.0\\.0\\.1:${port} acked in [\\d.]+ ms$`));
    // Marked as the supervisor's probe, so the agent leaves it out of the client count.
    expect(connections).toEqual([{ mpmProbe: true }]);
  });

  it('goes to its own URL and namespace, sends its data, and compares the ack with expect', async () => {
    const { port } = await liveServer();
    const url = `http://127.0.0.1:${port}`;
    expect((await checkOnce(sio({ url, event: 'health', data: { n: 1 }, expect: { echo: { n: 1 } } })))[0]).toMatchObject({ status: 'healthy' });
    expect((await checkOnce(sio({ url: `${url}/admin`, event: 'health', expect: 'admin ok' })))[0]).toMatchObject({ status: 'healthy' });
    const [wrong] = await checkOnce(sio({ url, event: 'health', expect: 'fine' }));
    expect(wrong).toMatchObject({ status: 'critical', value: null, message: `echo: "health" at ${url} acked "ok", expected "fine"` });
  });

  it('fails when no ack comes in time, or nothing listens', async () => {
    const { port } = await liveServer();
    const url = `http://127.0.0.1:${port}`;
    const [silent] = await checkOnce(sio({ url, event: 'silent' }), undefined, 500);
    expect(silent).toMatchObject({ status: 'critical', message: `echo: no ack to "silent" from ${url} within 500 ms` });
    const closed = await freePort();
    const [refused] = await checkOnce(sio({ url: `http://127.0.0.1:${closed}`, event: 'health' }));
    expect(refused).toMatchObject({ status: 'critical' });
    expect(refused?.message).toMatch(new RegExp(`^echo: Socket.IO at http://127\\.0\\.0\\.1:${closed} is not answering: `));
  });

  it('is unknown while there is no URL and no address of the child', async () => {
    const [metric] = await checkOnce(sio({ event: 'health' }));
    expect(metric).toMatchObject({ status: 'unknown', message: 'echo: no address of the child to connect to yet (set url, or --port, health.probeUrl or the agent)' });
  });
});

describe('module check', () => {
  const spec = { name: 'queue' };

  it('renames its metrics <check>.<metric>, fills in what it left out and rates a number without a status', async () => {
    const checker = moduleCheck(
      { ...spec, thresholds: { warning: 100, critical: 1000 }, failureThreshold: 2, timeoutMs: 500 },
      {
        metrics: ['depth', 'state'],
        check: async () => [
          { name: 'depth', value: 250, unit: 'jobs' },
          { name: 'state', value: 'draining', status: 'warning', message: 'queue is draining\nslowly' },
        ],
      },
    );
    expect(checker).toMatchObject({ name: 'queue', probe: false, userDefined: true, metrics: ['queue.depth', 'queue.state'], failureThreshold: 2, timeoutMs: 500 });
    const metrics = await checkOnce(checker);
    expect(metrics).toEqual([
      expect.objectContaining({ name: 'queue.depth', value: 250, unit: 'jobs', status: 'warning', thresholds: { warning: 100, critical: 1000 }, message: 'queue: depth 250 jobs ≥ warning 100 jobs' }),
      expect.objectContaining({ name: 'queue.state', value: 'draining', status: 'warning', thresholds: null, message: 'queue: queue is draining slowly' }),
    ]);
  });

  it('makes a round unknown when what it gives is not a list of declared metrics', async () => {
    const give = (answer: unknown) => moduleCheck(spec, { metrics: ['depth'], check: () => answer });
    const cases: Array<[unknown, string]> = [
      [undefined, 'queue: check() gave nothing, not a list of metrics'],
      [[{ name: 'other', value: 1 }], 'queue: check() reported "other", which is not in its "metrics"'],
      [[{ name: 'depth', value: { n: 1 } }], 'queue: check() gave "depth" the value an object'],
      [[{ name: 'depth', value: 1, status: 'fine' }], 'queue: check() gave "depth" the status "fine" (healthy, warning, critical or unknown)'],
      [[{ name: 'depth', value: Number.NaN }], 'queue: check() gave "depth" the value NaN'],
    ];
    for (const [answer, message] of cases) {
      expect(await checkOnce(give(answer))).toEqual([expect.objectContaining({ name: 'queue.depth', status: 'unknown', message })]);
    }
  });

  it.each<[string, unknown, string]>([
    ['no object', 42, 'its default export is 42, not a HealthChecker object (or a function that returns one)'],
    ['no check function', { metrics: ['a'] }, 'its HealthChecker has no check(target, context) function'],
    ['no metrics', { check: () => [] }, 'its HealthChecker needs "metrics", a list of 1 to 16 metric names, got nothing'],
    ['a bad metric name', { metrics: ['a.b'], check: () => [] }, 'its metric name "a.b" is not letters, digits, "-" and "_" starting with a letter (at most 40)'],
    ['a metric twice', { metrics: ['a', 'a'], check: () => [] }, 'its "metrics" name one metric twice'],
  ])('refuses a HealthChecker with %s, naming what is missing', (_, candidate, message) => {
    expect(() => moduleCheck(spec, candidate)).toThrow(new CheckModuleError(message));
  });

  it('calls its check with the target and the context, and passes close on', async () => {
    let closed = 0;
    const seen: unknown[] = [];
    const checker = moduleCheck(spec, {
      metrics: ['up'],
      check(target: HealthTarget, context: { timeoutMs: number }) {
        seen.push(target.pid, context.timeoutMs, this === undefined);
        return [{ name: 'up', value: 1 }];
      },
      close: () => (closed += 1),
    });
    await checkOnce(checker, targetFor(4242), 700);
    checker.close?.();
    expect(seen).toEqual([4242, 700, false]);
    expect(closed).toBe(1);
  });
});
