import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { waitUntil } from '../../../test/helpers/wait.js';
import { AgentLink, ServiceChecker, SocketIoChecker, type HealthMetric, type HealthTarget } from '../src/index.js';
import { contextWith } from './helpers/check.js';
import { DEMO_MAIN, DEADLINE_MS } from './helpers/children.js';
import { expectAllGone, killQuietly } from '../../../test/helpers/processes.js';

// The service checker against the real demo server and its agent, over a real IPC channel.

let child: ChildProcess | undefined;
let link: AgentLink | undefined;
const clients: Socket[] = [];
const closers: Array<() => void> = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const close of closers.splice(0)) close();
  link?.close();
  if (child?.pid !== undefined) {
    killQuietly(child.pid);
    await expectAllGone([child.pid]);
  }
  child = undefined;
});

async function startDemo(): Promise<{ target: HealthTarget; port: number }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DEMO_')));
  const spawned = spawn(process.execPath, [DEMO_MAIN], { env: { ...clean, HOST: '127.0.0.1', PORT: '0' }, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  child = spawned;
  const agent = new AgentLink((message) => new Promise((resolve) => (spawned.connected ? spawned.send(message as object, (error) => resolve(error === null)) : resolve(false))));
  link = agent;
  spawned.on('message', (message) => agent.receive(message));
  await waitUntil(() => agent.ready !== undefined, { timeoutMs: DEADLINE_MS, what: 'mpm:ready from the demo server' });
  const port = agent.ready!.port!;
  const target: HealthTarget = {
    pid: spawned.pid!,
    generation: 1,
    startedAt: Date.now(),
    address: { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, shownUrl: `http://127.0.0.1:${port}`, source: 'agent', path: '/socket.io/', tls: { rejectUnauthorized: true } },
    agent,
  };
  return { target, port };
}

async function connect(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      clients.push(socket);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      return socket;
    }),
  );
}

async function serviceMetrics(checker: ServiceChecker, target: HealthTarget): Promise<Record<string, HealthMetric>> {
  return Object.fromEntries((await checker.check(target, contextWith())).map((metric) => [metric.name, metric]));
}

describe('ServiceChecker with the real agent', () => {
  it('counts 25 real clients (not the Socket.IO probe) and exactly the errors raised', async () => {
    const { target, port } = await startDemo();
    const checker = new ServiceChecker();
    // The Socket.IO checker keeps its own connection to the server: it must not count.
    const probe = new SocketIoChecker();
    closers.push(() => probe.close());
    await probe.check(target, contextWith());

    const sockets = await connect(port, 25);
    // Seven `fail` events, each rejected by the demo server's middleware: seven real errors.
    for (const socket of sockets.slice(0, 7)) socket.emit('fail');

    let metrics: Record<string, HealthMetric> = {};
    await waitUntil(
      async () => {
        metrics = await serviceMetrics(checker, target);
        return metrics.errorsTotal?.value === 7;
      },
      { timeoutMs: DEADLINE_MS, what: 'errorsTotal 7' },
    );
    expect(metrics.clients).toMatchObject({ value: 25, status: 'healthy' });
    expect(metrics.errorsTotal?.value).toBe(7);
    expect(metrics.errorsPerMinute).toMatchObject({ value: 7, status: 'healthy' });
    expect(metrics.ipcLatencyMs?.status).toBe('healthy');
    expect(Number(metrics.heapUsedMb?.value)).toBeGreaterThan(1);

    for (const socket of sockets.slice(0, 10)) socket.disconnect();
    await waitUntil(async () => (await serviceMetrics(checker, target)).clients?.value === 15, { timeoutMs: DEADLINE_MS, what: '15 clients left' });
  });
});
