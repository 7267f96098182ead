import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { waitUntil } from '../../../test/helpers/wait.js';
import { NetworkChecker } from '../src/index.js';
import { contextWith, freePort, localAddress, numberOf, targetFor } from './helpers/check.js';

// A real TCP connect from this process to a real port on 127.0.0.1.

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function listening(host = '127.0.0.1'): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {}); // the probe may reset it; that is its business
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted };
}

describe('NetworkChecker', () => {
  it('sees an open port as healthy, with a small connect latency, and hangs up', async () => {
    const { port, accepted } = await listening();
    const checker = new NetworkChecker();

    const metrics = await checker.check(targetFor(process.pid, { address: localAddress(port) }), contextWith());

    expect(metrics).toHaveLength(1);
    const [metric] = metrics;
    expect(metric).toMatchObject({ name: 'tcpLatencyMs', unit: 'ms', status: 'healthy' });
    expect(numberOf(metric!)).toBeGreaterThanOrEqual(0);
    expect(numberOf(metric!)).toBeLessThan(500);
    expect(metric!.message).toMatch(new RegExp(`^TCP connect to 127\\.0\\.0\\.1:${port}: tcpLatencyMs `));
    // It really connected, and did not keep the connection.
    await waitUntil(() => accepted.length === 1 && accepted[0]!.closed, { what: 'the probe connection to close' });
  });

  it('sees a closed port as critical: connection refused', async () => {
    const port = await freePort();
    const checker = new NetworkChecker();

    const metrics = await checker.check(targetFor(process.pid, { address: localAddress(port) }), contextWith());

    expect(metrics).toEqual([
      expect.objectContaining({
        name: 'tcpLatencyMs',
        status: 'critical',
        value: null,
        message: `port 127.0.0.1:${port} is not accepting connections: connection refused`,
      }),
    ]);
  });

  it('says unknown while there is no address to probe', async () => {
    const checker = new NetworkChecker();
    const metrics = await checker.check(targetFor(process.pid), contextWith());
    expect(metrics).toEqual([expect.objectContaining({ name: 'tcpLatencyMs', status: 'unknown', value: null })]);
    expect(metrics[0]!.message).toMatch(/no port to probe/);
  });

  it('finds a port that listens on [::1] only through the fallback, and says so', async () => {
    const { port } = await listening('::1');
    const address = { ...localAddress(port), fallback: { ...localAddress(port), host: '::1' } };

    const [metric] = await new NetworkChecker().check(targetFor(process.pid, { address }), contextWith());

    expect(metric).toMatchObject({ status: 'healthy' });
    expect(metric!.message).toMatch(new RegExp(`^TCP connect to \\[::1\\]:${port} \\(nothing listens on 127\\.0\\.0\\.1\\): `));
  });

  it('names both addresses when neither listens', async () => {
    const port = await freePort();
    const address = { ...localAddress(port), fallback: { ...localAddress(port), host: '::1' } };

    const [metric] = await new NetworkChecker().check(targetFor(process.pid, { address }), contextWith());

    expect(metric).toMatchObject({ status: 'critical', message: `port 127.0.0.1:${port} or [::1]:${port} is not accepting connections: connection refused` });
  });
});
