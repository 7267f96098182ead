import { afterEach, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { DEFAULT_LIMITS, StatusServer, jsonReply, streamReply, type Handler, type ListeningAddress, type ServerNotice, type StatusServerOptions } from '../src/index.js';
import { ConnectionFlood } from '../../../test/helpers/flood.js';
import { waitUntil } from '../../../test/helpers/wait.js';
import { RawClient, destroyRawClients, fetchFrom, within } from './clients.js';
import { nonLoopbackIPv4 } from './interfaces.js';
import { StreamClient, destroyStreamClients } from './stream-client.js';

const servers: StatusServer[] = [];
let hanging = 0;
const floods: ConnectionFlood[] = [];
// Long enough that nothing times out by itself while a test looks.
const PATIENT = { firstByteTimeoutMs: 60_000, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 60_000 };

afterEach(async () => {
  await Promise.all(floods.splice(0).map((flood) => flood.stop()));
  destroyRawClients();
  destroyStreamClients();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

let server: StatusServer;

async function start(options: Partial<StatusServerOptions> = {}): Promise<ListeningAddress> {
  hanging = 0;
  const routes = new Map<string, Handler>([
    ['/health/live', () => jsonReply(200, { status: 'pass' })],
    [
      '/hang',
      () => {
        hanging += 1;
        return new Promise(() => undefined);
      },
    ],
    ['/stream', () => streamReply(() => undefined)],
  ]);
  server = new StatusServer({ host: '127.0.0.1', port: 0, routes, ...options });
  servers.push(server);
  return server.listen();
}

/** A raw client from `localAddress` to `host`, tracked for cleanup. */
async function openFrom(address: ListeningAddress, host: string, localAddress: string): Promise<RawClient> {
  const client = new RawClient(connect({ host, port: address.port, localAddress }));
  await within(new Promise((resolve) => client.socket.once('connect', resolve)), 5_000, 'connect');
  return client;
}

/** Sends GET /hang on each client and waits until the server has every one of them in flight. */
async function hang(clients: readonly RawClient[]): Promise<void> {
  const expected = hanging + clients.length;
  for (const client of clients) client.socket.write('GET /hang HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await waitUntil(() => hanging === expected, { timeoutMs: 5_000, what: `${expected} requests in flight` });
}

describe('StatusServer: connections that send nothing', () => {
  it('closes a connection silent for firstByteTimeoutMs, and not one that has begun its request', async () => {
    expect(DEFAULT_LIMITS.firstByteTimeoutMs).toBe(1_000);
    const address = await start({ limits: { firstByteTimeoutMs: 300 } });
    const opened = Date.now();
    const silent = await RawClient.open(address);
    const talking = await RawClient.open(address);
    talking.socket.write('G');
    await within(silent.closed, 5_000, 'the server closing a silent connection');
    expect(Date.now() - opened).toBeGreaterThanOrEqual(250);
    expect(silent.data).toBe('');
    expect(talking.isClosed).toBe(false); // the head timeout (5 s) is its limit
  });
});

describe('StatusServer: at maxConnections', () => {
  it('lets a newcomer in in place of the oldest idle connection, and tells once', async () => {
    const notices: ServerNotice[] = [];
    const address = await start({ limits: { ...PATIENT, maxConnections: 3 }, onNotice: (notice) => notices.push(notice) });
    const oldest = await RawClient.open(address);
    const slow = await RawClient.open(address);
    slow.socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: a');
    const silent = await RawClient.open(address);
    await waitUntil(() => server.openConnections === 3, { timeoutMs: 5_000, what: 'three open connections' });
    // The fourth is over the limit: the oldest idle one makes room, and the newcomer is answered.
    expect((await fetchFrom(address, '/health/live')).status).toBe(200);
    await within(oldest.closed, 5_000, 'the oldest idle connection being closed');
    expect([slow.isClosed, silent.isClosed]).toEqual([false, false]);
    // Full again: the next newcomer takes the place of the slow one, the oldest idle one now.
    const newer = await RawClient.open(address);
    await waitUntil(() => server.openConnections === 3, { timeoutMs: 5_000, what: 'three open connections' });
    expect((await fetchFrom(address, '/health/live')).status).toBe(200);
    await within(slow.closed, 5_000, 'the slow connection being closed');
    expect([silent.isClosed, newer.isClosed]).toEqual([false, false]);
    expect(notices).toEqual([{ kind: 'connections_shed', first: true, count: 1, evicted: 1, refused: 0, peers: ['127.0.0.1'], limits: expect.objectContaining({ maxConnections: 3 }) }]);
  });

  it('never closes a connection with an answer on its way or an open stream: the newcomer is refused', async () => {
    const notices: ServerNotice[] = [];
    const address = await start({ limits: { ...PATIENT, maxConnections: 2 }, onNotice: (notice) => notices.push(notice) });
    const stream = await StreamClient.open(address, '/stream');
    const pending = await RawClient.open(address);
    await hang([pending]);
    await waitUntil(
      async () => {
        const extra = await RawClient.open(address);
        await within(extra.closed, 5_000, 'the server refusing a connection over the limit');
        return extra.data === '';
      },
      { what: 'a newcomer refused while both connections are busy' },
    );
    expect([stream.isClosed, pending.isClosed]).toEqual([false, false]);
    expect(notices[0]).toMatchObject({ kind: 'connections_shed', first: true, refused: 1, evicted: 0 });
  });

  it('answers a probe while slowloris clients hold every connection', async () => {
    const address = await start();
    const slow = new ConnectionFlood({ host: '127.0.0.1', port: address.port, kind: 'slowloris', connections: DEFAULT_LIMITS.maxConnections, trickleMs: 200 });
    floods.push(slow);
    await slow.start();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await waitUntil(() => server.openConnections === DEFAULT_LIMITS.maxConnections, { timeoutMs: 5_000, what: 'every connection held by the flood' });
      expect((await fetchFrom(address, '/health/live')).status).toBe(200);
    }
    expect(slow.closedByServer).toBeGreaterThanOrEqual(5);
  });
});

describe('StatusServer: per peer', () => {
  it('keeps one non-loopback peer to maxConnectionsPerPeer, its own idle connections making room, and loopback clients apart', async () => {
    const ip = nonLoopbackIPv4();
    const address = await start({ host: '0.0.0.0', limits: { ...PATIENT, maxConnectionsPerPeer: 3 } });
    const peer = [await openFrom(address, ip, ip), await openFrom(address, ip, ip)];
    await hang([peer[1]!]);
    peer.push(await openFrom(address, ip, ip));
    const local = await Promise.all(Array.from({ length: 5 }, () => openFrom(address, '127.0.0.1', '127.0.0.1')));
    // Its fourth takes the place of its oldest idle one; the busy one stays.
    peer.push(await openFrom(address, ip, ip));
    await within(peer[0]!.closed, 5_000, "the peer's oldest idle connection being closed");
    expect(peer.map((client) => client.isClosed)).toEqual([true, false, false, false]);
    expect(local.some((client) => client.isClosed)).toBe(false);
  });

  it('refuses a full peer whose connections are all busy, and goes on serving others', async () => {
    const ip = nonLoopbackIPv4();
    const address = await start({ host: '0.0.0.0', limits: { ...PATIENT, maxConnectionsPerPeer: 2 } });
    const busy = [await openFrom(address, ip, ip), await openFrom(address, ip, ip)];
    await hang(busy);
    await waitUntil(
      async () => {
        const extra = await openFrom(address, ip, ip);
        await within(extra.closed, 5_000, 'the server refusing a third connection of the peer');
        return extra.data === '';
      },
      { what: 'a third connection of the peer refused' },
    );
    expect(busy.some((client) => client.isClosed)).toBe(false);
    expect((await fetchFrom(address, '/health/live')).status).toBe(200);
  });
});
