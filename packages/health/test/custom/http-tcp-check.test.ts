import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { httpCheck, MAX_BODY_BYTES, tcpCheck, type HealthChecker, type HttpCheckOptions, type HealthMetric } from '../../src/index.js';
import { contextWith, freePort, targetFor } from '../helpers/check.js';

// The http and tcp checks against real servers on 127.0.0.1.

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function httpServer(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function checkOnce(checker: HealthChecker, timeoutMs = 5000): Promise<HealthMetric> {
  const [metric] = await checker.check(targetFor(process.pid), contextWith({ timeoutMs }));
  if (metric === undefined) throw new Error('no metric');
  return metric;
}

const http = (options: Partial<HttpCheckOptions> & { url: string }) => httpCheck({ name: 'api', ...options });

describe('http check', () => {
  it('is healthy on a 2xx or 3xx, with the time to the answer as its value; a redirect is not followed', async () => {
    const base = await httpServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/nowhere' }).end();
      else res.end('fine');
    });
    const ok = await checkOnce(http({ url: `${base}/healthz?token=s3cret` }));
    expect(ok).toMatchObject({ name: 'api', unit: 'ms', status: 'healthy', value: expect.any(Number) });
    // Shown without the query, which may hold a token.
    expect(ok.message).toMatch(new RegExp(`^api: HTTP 200 from ${base}/healthz in [\\d.]+ ms$`));
    expect(await checkOnce(http({ url: `${base}/moved` }))).toMatchObject({ status: 'healthy' });
  });

  it('fails on a status it does not expect, saying which it saw', async () => {
    const base = await httpServer((_req, res) => res.writeHead(503).end('down'));
    const metric = await checkOnce(http({ url: `${base}/` }));
    expect(metric).toMatchObject({ status: 'critical', value: null, message: `api: HTTP 503 from ${base}/ (expected 200–399)` });
    expect((await checkOnce(http({ url: `${base}/`, expectStatus: [503] }))).status).toBe('healthy');
    expect((await checkOnce(http({ url: `${base}/`, expectStatus: [200, 204] }))).message).toBe(`api: HTTP 503 from ${base}/ (expected 200 or 204)`);
  });

  it('looks for a text in the body, in its first 64 KiB only', async () => {
    const base = await httpServer((req, res) => {
      if (req.url === '/big') {
        res.write('x'.repeat(MAX_BODY_BYTES));
        res.end('"status":"ok"');
      } else res.end('{"status":"ok"}');
    });
    expect(await checkOnce(http({ url: `${base}/`, bodyContains: '"status":"ok"' }))).toMatchObject({ status: 'healthy' });
    const lacking = await checkOnce(http({ url: `${base}/`, bodyContains: 'ready' }));
    expect(lacking).toMatchObject({ status: 'critical', message: `api: HTTP 200 from ${base}/, but the body lacks "ready" (15 bytes)` });
    const big = await checkOnce(http({ url: `${base}/big`, bodyContains: '"status":"ok"' }));
    expect(big.message).toBe(`api: HTTP 200 from ${base}/big, but the body lacks "\\"status\\":\\"ok\\"" in its first 64 KiB`);
  });

  it('fails when nothing answers in time, or nothing listens', async () => {
    const base = await httpServer(() => undefined);
    const slow = await checkOnce(http({ url: `${base}/` }), 300);
    expect(slow).toMatchObject({ status: 'critical', message: `api: no answer from ${base}/ within 300 ms` });
    const port = await freePort();
    const refused = await checkOnce(http({ url: `http://127.0.0.1:${port}/` }));
    expect(refused).toMatchObject({ status: 'critical', message: `api: no answer from http://127.0.0.1:${port}/: connection refused` });
  });

  it('rates its latency by its thresholds', async () => {
    const base = await httpServer((_req, res) => setTimeout(() => res.end('late'), 150));
    const metric = await checkOnce(http({ url: `${base}/`, thresholds: { warning: 50, critical: 5000 } }));
    expect(metric).toMatchObject({ status: 'warning', thresholds: { warning: 50, critical: 5000 } });
    expect(metric.message).toMatch(/ ms ≥ warning 50 ms$/);
  });
});

describe('tcp check', () => {
  it('is healthy when something accepts connections, with the connect time as its value', async () => {
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const metric = await checkOnce(tcpCheck({ name: 'redis', host: '127.0.0.1', port }));
      expect(metric).toMatchObject({ name: 'redis', status: 'healthy', unit: 'ms', value: expect.any(Number) });
      expect(metric.message).toMatch(new RegExp(`^redis: TCP connect to 127\\.0\\.0\\.1:${port} in [\\d.]+ ms$`));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('fails on a closed port', async () => {
    const port = await freePort();
    const metric = await checkOnce(tcpCheck({ name: 'redis', host: '127.0.0.1', port }));
    expect(metric).toMatchObject({ status: 'critical', value: null, message: `redis: no TCP connection to 127.0.0.1:${port}: connection refused` });
  });
});
