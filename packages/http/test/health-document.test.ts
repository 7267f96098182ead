import { describe, expect, it } from '@jest/globals';
import { healthDocument, livenessDocument, readinessDocument } from '../src/index.js';
import { busyRound, hungRound, noPortRound, NOW, round, viewOf } from './views.js';

describe('/health', () => {
  it('passes with one check per metric in health+json form, and the child and breaker', () => {
    const { httpStatus, body } = healthDocument(viewOf());
    expect(httpStatus).toBe(200);
    expect(body).toMatchObject({ status: 'pass', serviceId: 'chat' });
    expect(body).not.toHaveProperty('output');
    expect(body['checks']).toEqual({
      'process:processState': [{ componentType: 'system', observedValue: 'S', observedUnit: 'state', status: 'pass', time: '2026-11-29T03:59:59.600Z' }],
      'process:cpuPercent': [{ componentType: 'system', observedValue: 12.346, observedUnit: 'percent', status: 'pass', time: '2026-11-29T03:59:59.600Z' }],
      'process:memoryMb': [{ componentType: 'system', observedValue: 80, observedUnit: 'MiB', status: 'pass', time: '2026-11-29T03:59:59.600Z' }],
      'socketio:socketioLatencyMs': [{ componentType: 'component', observedValue: 4, observedUnit: 'ms', status: 'pass', time: '2026-11-29T03:59:59.600Z' }],
    });
    expect(body['child']).toEqual({ pid: 4242, state: 'running', generation: 1, uptimeSeconds: 60, restarts: 0, lastExit: null });
    expect(body['breaker']).toMatchObject({ state: 'closed', since: null, until: null });
  });

  it('fails with 503 for a hung child and says which check failed', () => {
    const { httpStatus, body } = healthDocument(viewOf({ latest: hungRound() }));
    expect(httpStatus).toBe(503);
    expect(body).toMatchObject({ status: 'fail', output: expect.stringContaining('no handshake within 500 ms') });
    expect((body['checks'] as Record<string, unknown[]>)['socketio:socketioLatencyMs']).toEqual([
      expect.objectContaining({ status: 'fail', observedValue: null, output: expect.stringContaining('not answering') }),
    ]);
  });

  it('warns (200) at a warning threshold, while starting, and before the first round', () => {
    expect(healthDocument(viewOf({ latest: busyRound() }))).toMatchObject({ httpStatus: 200, body: { status: 'warn', output: expect.stringContaining('cpuPercent 85 %') } });
    expect(healthDocument(viewOf({ latest: round([], [], 'starting') }))).toMatchObject({ httpStatus: 200, body: { status: 'warn', output: 'the child is starting' } });
    expect(healthDocument(viewOf({ latest: undefined }))).toMatchObject({ httpStatus: 200, body: { status: 'warn', output: expect.stringContaining('no check has finished') } });
  });

  it('fails past the startup timeout', () => {
    expect(healthDocument(viewOf({ latest: round([], [], 'startup_timeout') }))).toMatchObject({ httpStatus: 503, body: { status: 'fail' } });
  });

  it('marks a metric that could not be measured as warn with the reason, without failing the whole', () => {
    const { body } = healthDocument(viewOf({ latest: noPortRound() }));
    expect(body['status']).toBe('pass');
    expect((body['checks'] as Record<string, unknown[]>)['socketio:socketioLatencyMs']).toEqual([expect.objectContaining({ status: 'warn', output: 'not measured: no port to probe yet' })]);
  });

  it('fails while the child is down, saying how it ended and when it comes back', () => {
    const lastExit = { code: 1, signal: null, at: NOW - 300, uptimeMs: 250 };
    const { httpStatus, body } = healthDocument(viewOf({ child: { state: 'backoff', pid: null, startedAt: null, restarts: 3, lastExit, respawnAt: NOW + 800 }, latest: undefined }));
    expect(httpStatus).toBe(503);
    expect(body['output']).toBe('the child exited (code 1 after 0.3 s) and is respawned in 0.8 s');
    expect(body['child']).toMatchObject({ pid: null, uptimeSeconds: null, restarts: 3, lastExit: { code: 1, signal: null, uptimeSeconds: 0.25 }, respawnAt: '2026-11-29T04:00:00.800Z' });
  });

  it('says so when the breaker is open: since when, why, and when recovery resumes', () => {
    const breaker = { state: 'open' as const, since: NOW - 1000, until: NOW + 299_000, reason: '5 failed recoveries within 5 min', opensInARow: 1 };
    const down = healthDocument(
      viewOf({ child: { state: 'exited', pid: null, startedAt: null, lastExit: { code: null, signal: 'SIGKILL', at: NOW - 1000, uptimeMs: 20 } }, latest: undefined, breaker }),
    );
    expect(down.httpStatus).toBe(503);
    expect(down.body['output']).toBe(
      'the child exited (killed by SIGKILL after 0.0 s) and has not been respawned; circuit breaker open since 2026-11-29T03:59:59.000Z (5 failed recoveries within 5 min); recovery resumes at 2026-11-29T04:04:59.000Z',
    );
    expect(down.body['breaker']).toMatchObject({ state: 'open', until: '2026-11-29T04:04:59.000Z', reason: '5 failed recoveries within 5 min' });
    // A child that serves while recovery is held back is a warning, not a failure.
    expect(healthDocument(viewOf({ breaker })).body).toMatchObject({ status: 'warn', output: expect.stringMatching(/^circuit breaker open/) });
    expect(healthDocument(viewOf({ breaker: { ...breaker, exhausted: true, until: null } })).body['output']).toMatch(/, for good$/);
  });

  it('fails while the supervisor stops or has given up', () => {
    expect(healthDocument(viewOf({ stopping: true }))).toMatchObject({ httpStatus: 503, body: { output: 'the supervisor is stopping' } });
    expect(healthDocument(viewOf({ stopping: true, gaveUp: true })).body['output']).toMatch(/recovery gave up.*exits 75/);
  });
});

describe('/health/ready', () => {
  it.each([
    ['a healthy child', viewOf(), 200],
    ['a busy child (warning)', viewOf({ latest: busyRound() }), 200],
    ['a hung child', viewOf({ latest: hungRound() }), 503],
    ['a starting child', viewOf({ latest: round([], [], 'starting') }), 503],
    ['no round yet', viewOf({ latest: undefined }), 503],
    ['a child in backoff', viewOf({ child: { state: 'backoff', pid: null }, latest: undefined }), 503],
    ['a stopping supervisor', viewOf({ stopping: true }), 503],
  ])('%s → %i', (_, view, status) => {
    const { httpStatus, body } = readinessDocument(view);
    expect(httpStatus).toBe(status);
    expect(body).toMatchObject({ ready: status === 200, status: status === 200 ? 'pass' : 'fail', output: expect.any(String) });
  });
});

describe('/health/live', () => {
  it('passes whatever the child does: it is about the supervisor', () => {
    expect(livenessDocument(viewOf({ child: { state: 'exited' }, latest: undefined }))).toMatchObject({ status: 'pass', pid: 100, uptimeSeconds: 120 });
  });
});
