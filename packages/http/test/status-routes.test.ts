import { describe, expect, it } from '@jest/globals';
import type { RecoveryEvent } from '@mpm/recovery';
import { isStreamReply, statusRoutes, type Reply, type StatusSource } from '../src/index.js';
import { viewOf } from './views.js';

function event(id: number): RecoveryEvent {
  return {
    id,
    time: new Date(id * 1000).toISOString(),
    action: 'restart_service',
    failureClass: 'hung',
    severity: 'critical',
    reason: 'socketioLatencyMs n/a',
    metrics: [],
    thresholds: [],
    breaker: 'closed',
    result: 'succeeded',
    detail: 'restarted',
    durationMs: 10,
    generation: id,
    pid: 1000 + id,
  };
}

const source: StatusSource = {
  view: () => viewOf(),
  diagnostics: () => ({ name: 'chat' }),
  events: () => [1, 2, 3, 4, 5].map(event),
  metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'mpm_child_up 1\n' }),
};

async function get(path: string, query = ''): Promise<Reply & { body: string }> {
  const handler = statusRoutes(source).get(path);
  if (handler === undefined) throw new Error(`no route ${path}`);
  const reply = await handler({ path, query: new URLSearchParams(query), acceptsGzip: false });
  if (isStreamReply(reply)) throw new Error(`${path} answered a stream`);
  return { ...reply, body: typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8') };
}

describe('statusRoutes', () => {
  it('serves the endpoints of docs/design.md §6', () => {
    expect([...statusRoutes(source).keys()].sort()).toEqual(['/diagnostics', '/events', '/health', '/health/live', '/health/ready', '/metrics']);
  });

  it('answers health in application/health+json and the rest in JSON or the Prometheus format', async () => {
    expect((await get('/health')).contentType).toMatch(/^application\/health\+json/);
    expect((await get('/health/ready')).contentType).toMatch(/^application\/health\+json/);
    expect((await get('/diagnostics')).contentType).toMatch(/^application\/json/);
    expect(await get('/metrics')).toEqual({ status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'mpm_child_up 1\n' });
  });

  it('lists events oldest first, newest last; limit keeps the newest, since those after an id', async () => {
    const ids = async (query: string): Promise<number[]> => (JSON.parse((await get('/events', query)).body) as { events: RecoveryEvent[] }).events.map((e) => e.id);
    expect(await ids('')).toEqual([1, 2, 3, 4, 5]);
    expect(await ids('limit=2')).toEqual([4, 5]);
    expect(await ids('since=3')).toEqual([4, 5]);
    expect(await ids('since=3&limit=1')).toEqual([5]);
    expect(await ids('limit=0')).toEqual([]);
  });

  it('refuses a limit that is not a whole number with a 400 that says what is expected', async () => {
    for (const query of ['limit=-1', 'limit=abc', 'since=1e3', 'limit=99999999999']) {
      const reply = await get('/events', query);
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.body)).toEqual({ error: 'bad_request', message: expect.stringContaining('whole numbers') });
    }
  });
});
