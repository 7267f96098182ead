import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusServer, isStreamReply, jsonReply, streamReply, type EventStream, type Handler, type ListeningAddress, type StatusServerOptions } from '../src/index.js';
import { eventFrame } from '../src/event-stream.js';
import { StreamRegistry } from '../src/stream-registry.js';
import { waitUntil } from '../../../test/helpers/wait.js';
import { RawClient, destroyRawClients, expectError, fetchFrom, within } from './clients.js';
import { StreamClient, destroyStreamClients } from './stream-client.js';

const servers: StatusServer[] = [];
const httpServers: Server[] = [];

afterEach(async () => {
  destroyRawClients();
  destroyStreamClients();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(httpServers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A stream route that records what happens to its streams. */
class Recorder {
  readonly streams: EventStream[] = [];
  cleanups = 0;
  readonly handler: Handler = () =>
    streamReply((events) => {
      this.streams.push(events);
      return () => void this.cleanups++;
    });

  get last(): EventStream {
    const stream = this.streams.at(-1);
    if (stream === undefined) throw new Error('no stream has opened');
    return stream;
  }
}

async function start(extra: Array<[string, Handler]>, options: Partial<StatusServerOptions> = {}): Promise<{ server: StatusServer; address: ListeningAddress }> {
  const server = new StatusServer({
    host: '127.0.0.1',
    port: 0,
    routes: new Map<string, Handler>([['/health', () => jsonReply(200, { status: 'pass' })], ...extra]),
    ...options,
  });
  servers.push(server);
  return { server, address: await server.listen() };
}

describe('eventFrame and isStreamReply', () => {
  it('frames an event as one JSON line', () => {
    expect(eventFrame('update', { a: [1, 2], s: 'line\nbreak\r' })).toBe('event: update\ndata: {"a":[1,2],"s":"line\\nbreak\\r"}\n\n');
    expect(eventFrame('snapshot_2', undefined)).toBe('event: snapshot_2\ndata: null\n\n');
  });

  it.each(['', 'Update', '2nd', 'a-b', 'a b', 'a\nb', 'é'])('throws a TypeError for the event name %j', (name) => {
    expect(() => eventFrame(name, 1)).toThrow(TypeError);
  });

  it('tells a StreamReply from a Reply', () => {
    expect(isStreamReply(streamReply(() => undefined))).toBe(true);
    expect(isStreamReply(jsonReply(200, {}))).toBe(false);
  });
});

describe('StatusServer: event streams', () => {
  it('answers with the stream head, retry first, then the events it is sent', async () => {
    const recorder = new Recorder();
    const { address } = await start([['/stream', recorder.handler]]);
    const client = await StreamClient.open(address, '/stream/');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-store');
    expect(client.headers['x-content-type-options']).toBe('nosniff');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['content-length']).toBeUndefined();
    await client.waitFor('retry: 2000\n\n');
    expect(client.data).toBe('retry: 2000\n\n');

    recorder.last.send('snapshot', { n: 1 });
    recorder.last.send('update', 'two');
    await client.waitFor('"two"');
    expect(client.data).toBe('retry: 2000\n\nevent: snapshot\ndata: {"n":1}\n\nevent: update\ndata: "two"\n\n');
    expect(() => recorder.last.send('Bad', 1)).toThrow(TypeError);
  });

  it('sends a keep-alive comment to every open stream', async () => {
    const recorder = new Recorder();
    const { address } = await start([['/stream', recorder.handler]], { limits: { streamHeartbeatMs: 50 } });
    const clients = [await StreamClient.open(address, '/stream'), await StreamClient.open(address, '/stream')];
    for (const client of clients) await client.waitFor(': keep-alive\n\n');
    expect(clients[0]?.data).toMatch(/^retry: 2000\n\n(: keep-alive\n\n)+$/);
  });

  it('runs the cleanup once when the client goes, and once when the route closes the stream', async () => {
    const recorder = new Recorder();
    const { address } = await start([['/stream', recorder.handler]], { limits: { streamHeartbeatMs: 50 } });
    const gone = await StreamClient.open(address, '/stream');
    await gone.waitFor('retry');
    gone.destroy();
    await waitUntil(() => recorder.cleanups === 1, { timeoutMs: 5_000, what: 'the cleanup after the client went' });
    expect(recorder.last.closed).toBe(true);
    recorder.last.send('update', 1); // does nothing once closed
    recorder.last.close();

    const closing = await StreamClient.open(address, '/stream');
    await closing.waitFor('retry');
    recorder.last.close();
    expect(recorder.cleanups).toBe(2);
    expect(recorder.last.closed).toBe(true);
    await within(closing.closed, 5_000, 'the client seeing the stream end');
    recorder.last.close();
    expect(recorder.cleanups).toBe(2);
    expect((await fetchFrom(address, '/health')).status).toBe(200);
  });

  it('runs a cleanup at once when the callback closed its own stream', async () => {
    let cleanups = 0;
    const { address } = await start([
      [
        '/once',
        () =>
          streamReply((events) => {
            events.send('only', 1);
            events.close();
            return () => void cleanups++;
          }),
      ],
    ]);
    const client = await StreamClient.open(address, '/once');
    await within(client.closed, 5_000, 'the stream ending');
    expect(client.data).toBe('retry: 2000\n\nevent: only\ndata: 1\n\n');
    expect(cleanups).toBe(1);
  });

  it('ends open streams on close(), promptly, running each cleanup once', async () => {
    const recorder = new Recorder();
    const { server, address } = await start([['/stream', recorder.handler]]);
    const clients = [await StreamClient.open(address, '/stream'), await StreamClient.open(address, '/stream')];
    for (const client of clients) await client.waitFor('retry');
    await within(server.close(), 2_000, 'close() with streams open');
    expect(recorder.cleanups).toBe(2);
    await within(Promise.all(clients.map((client) => client.closed)), 5_000, 'the clients seeing their streams end');
    expect(recorder.cleanups).toBe(2);
  });

  it('answers 503 with Retry-After beyond maxStreams, and opens again once one has closed', async () => {
    const recorder = new Recorder();
    const { address } = await start([['/stream', recorder.handler]], { limits: { maxStreams: 2 } });
    const first = await StreamClient.open(address, '/stream');
    await StreamClient.open(address, '/stream');
    await waitUntil(() => recorder.streams.length === 2, { timeoutMs: 5_000, what: 'two streams open' });

    const refused = await fetchFrom(address, '/stream');
    const body = expectError(refused, 503, 'too_many_streams');
    expect(body.message).toBe('this status server allows 2 live streams at once and all are open; close a dashboard tab and try again');
    expect(refused.headers['retry-after']).toBe('5');
    expect(recorder.streams).toHaveLength(2);

    first.destroy();
    await waitUntil(() => recorder.cleanups === 1, { timeoutMs: 5_000, what: 'the first stream closing' });
    const again = await StreamClient.open(address, '/stream');
    expect(again.status).toBe(200);
    await again.waitFor('retry');
  });

  it('answers HEAD with the stream head only, without running the callback or counting a stream', async () => {
    const recorder = new Recorder();
    const { address } = await start([['/stream', recorder.handler]], { limits: { maxStreams: 1 } });
    await StreamClient.open(address, '/stream');
    await waitUntil(() => recorder.streams.length === 1, { timeoutMs: 5_000, what: 'the stream opening' });
    const client = await RawClient.open(address);
    client.socket.write('HEAD /stream HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await within(client.closed, 5_000, 'close after HEAD');
    const [head, rest] = client.data.split('\r\n\r\n');
    expect(rest).toBe('');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toContain('Content-Type: text/event-stream; charset=utf-8');
    expect(head).toContain('Cache-Control: no-store');
    expect(head).toContain('X-Content-Type-Options: nosniff');
    expect(head).toContain('X-Accel-Buffering: no');
    expect(recorder.streams).toHaveLength(1);
  });

  it('drops a client that does not read once its stream holds more than maxStreamBufferBytes', async () => {
    let cleanups = 0;
    let sent = 0;
    const errors: unknown[] = [];
    const big = 'x'.repeat(256 * 1024);
    const { address } = await start(
      [
        [
          '/flood',
          () =>
            streamReply((events) => {
              const timer = setInterval(() => {
                events.send('big', big);
                sent++;
              }, 2);
              return () => {
                clearInterval(timer);
                cleanups++;
              };
            }),
        ],
      ],
      { limits: { maxStreamBufferBytes: 64 * 1024 }, onHandlerError: (error) => errors.push(error) },
    );
    const client = await RawClient.open(address);
    client.socket.pause(); // reads nothing: the kernel buffers fill, then the server's
    client.socket.write('GET /flood HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitUntil(() => cleanups === 1, { timeoutMs: 20_000, what: 'the server dropping the client that does not read' });
    // Far less than the gigabytes an unread stream would otherwise pile up.
    expect(sent).toBeLessThan(400);
    client.socket.resume();
    await within(client.closed, 10_000, 'the client seeing the connection end');
    expect(errors).toEqual([]);
  });

  it('reports a stream callback that throws, ends its stream and goes on serving', async () => {
    const seen: Array<[string, string]> = [];
    const { address } = await start(
      [
        [
          '/throws',
          () =>
            streamReply(() => {
              throw new Error('secret detail');
            }),
        ],
        [
          '/cleanup-throws',
          () =>
            streamReply((events) => {
              events.close();
              return () => {
                throw new Error('cleanup failed');
              };
            }),
        ],
      ],
      { onHandlerError: (error, path) => seen.push([path, (error as Error).message]) },
    );
    // The head is written before the callback runs: the connection is dropped, and EventSource reconnects.
    const client = await RawClient.open(address);
    client.socket.write('GET /throws HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await within(client.closed, 5_000, 'the stream ending');
    expect(client.data).not.toContain('secret');
    const other = await StreamClient.open(address, '/cleanup-throws');
    await within(other.closed, 5_000, 'the stream ending');
    expect(seen).toEqual([
      ['/throws', 'secret detail'],
      ['/cleanup-throws', 'cleanup failed'],
    ]);
    expect((await fetchFrom(address, '/health')).status).toBe(200);
  });

  it('needs the token on a stream too', async () => {
    const recorder = new Recorder();
    const { address } = await start([['/stream', recorder.handler]], { token: 's3cret' });
    expectError(await fetchFrom(address, '/stream'), 401, 'unauthorized');
    const basic = `Basic ${Buffer.from('anyone:s3cret').toString('base64')}`;
    const client = await StreamClient.open(address, '/stream', { authorization: basic });
    expect(client.status).toBe(200);
    await client.waitFor('retry');
    expect(recorder.streams).toHaveLength(1);
  });
});

describe('StreamRegistry', () => {
  it('runs its heartbeat only while a stream is open', async () => {
    let cleanups = 0;
    const registry = new StreamRegistry({ maxStreams: 4, streamHeartbeatMs: 60_000, maxStreamBufferBytes: 1024 }, () => undefined);
    const server = createServer((_req, res) =>
      registry.open(
        res,
        streamReply(() => () => void cleanups++),
        { head: false, close: false },
        '/s',
      ),
    );
    httpServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const address = { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` };
    expect(registry.heartbeating).toBe(false);

    const first = await StreamClient.open(address, '/s');
    await first.waitFor('retry');
    expect(registry.heartbeating).toBe(true);
    first.destroy();
    await waitUntil(() => cleanups === 1, { timeoutMs: 5_000, what: 'the stream closing' });
    expect(registry.size).toBe(0);
    expect(registry.heartbeating).toBe(false);

    const second = await StreamClient.open(address, '/s');
    await second.waitFor('retry');
    expect(registry.heartbeating).toBe(true);
    registry.closeAll();
    expect(cleanups).toBe(2);
    expect(registry.heartbeating).toBe(false);
    await within(second.closed, 5_000, 'the stream ending');
  });
});
