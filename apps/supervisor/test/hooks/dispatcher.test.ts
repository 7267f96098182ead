import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { BoundedQueue } from '../../src/hooks/bounded-queue.js';
import type { Delivery } from '../../src/hooks/delivery.js';
import { FailureEpisode, type EpisodeReport } from '../../src/hooks/failure-episode.js';
import { HookDispatcher } from '../../src/hooks/hook-dispatcher.js';
import { makeEvent, type HookEvent } from '../../src/hooks/hook-event.js';
import { logHookReport } from '../../src/hooks/hook-log.js';
import type { HookReport } from '../../src/hooks/hook-report.js';
import type { HookSpec } from '../../src/hooks/hook-spec.js';
import { HOOK_DELIVERIES_TOTAL, registerHookMetrics } from '../../src/metrics/hook-metrics.js';
import type { HookEventName } from '@mpm/config';
import { captureLogger } from '../capture-logger.js';

let ids = 0;
function eventOf(name: HookEventName = 'child_exited'): HookEvent {
  ids += 1;
  const origin = { name: 'chat', pid: 1, host: 'box', now: () => 1_000_000 + ids, newId: () => `e${ids}` };
  return makeEvent(origin, name, `event ${ids}`, { pid: 10, generation: 1 }, {});
}

function spec(name: string, over: Partial<HookSpec> = {}): HookSpec {
  return {
    name,
    events: new Set<HookEventName>(['child_exited', 'recovery_gave_up']),
    timeoutMs: 1000,
    target: { kind: 'webhook', url: 'https://hooks.example.com/services/SECRET', shown: 'https://hooks.example.com/[redacted]', secret: 'the-secret-value-xyz', retries: 0, headers: {} },
    ...over,
  };
}

/** A delivery the test settles by hand, one per call, in call order. */
interface Pending {
  readonly hook: string;
  readonly event: HookEvent;
  readonly signal: AbortSignal;
  settle(delivery: Partial<Delivery> & { ok: boolean }): void;
}

function manualDeliveries(): { deliver: (spec: HookSpec, event: HookEvent, signal: AbortSignal) => Promise<Delivery>; pending: Pending[] } {
  const pending: Pending[] = [];
  const deliver = (hook: HookSpec, event: HookEvent, signal: AbortSignal): Promise<Delivery> =>
    new Promise((resolve) => {
      pending.push({ hook: hook.name, event, signal, settle: (delivery) => resolve({ attempts: 1, how: delivery.ok ? 'answered 200' : 'answered 500', ...delivery }) });
    });
  return { deliver, pending };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BoundedQueue', () => {
  it('keeps at most its size, dropping the oldest, first in first out', () => {
    const queue = new BoundedQueue<number>(3);
    expect([1, 2, 3].map((n) => queue.push(n))).toEqual([undefined, undefined, undefined]);
    expect(queue.push(4)).toBe(1);
    expect(queue.push(5)).toBe(2);
    expect(queue.length).toBe(3);
    expect([queue.shift(), queue.shift()]).toEqual([3, 4]);
    expect(queue.clear()).toEqual([5]);
    expect(queue.shift()).toBeUndefined();
  });

  it('refuses a size that holds nothing', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});

describe('FailureEpisode', () => {
  it('reports the first trouble at once, counts the rest silently, and reports its end once with the counts', () => {
    let now = 0;
    const reports: EpisodeReport[] = [];
    const episode = new FailureEpisode(
      (report) => reports.push(report),
      () => now,
    );
    episode.delivered();
    expect(reports).toEqual([]);
    episode.failed('answered 500');
    now = 1000;
    episode.failed('answered 502');
    episode.dropped('queue full');
    episode.failed('no answer');
    expect(reports).toEqual([{ kind: 'failed', why: 'answered 500' }]);
    now = 4000;
    episode.delivered();
    episode.delivered();
    expect(reports).toEqual([
      { kind: 'failed', why: 'answered 500' },
      { kind: 'recovered', failed: 3, dropped: 1, sinceMs: 4000 },
    ]);
    episode.dropped('queue full');
    expect(reports.at(-1)).toEqual({ kind: 'failed', why: 'queue full' });
  });
});

describe('HookDispatcher', () => {
  it('returns from emit at once, whatever the delivery does, and runs one delivery at a time per hook, in order', async () => {
    const { deliver, pending } = manualDeliveries();
    const reports: HookReport[] = [];
    const dispatcher = new HookDispatcher([spec('a'), spec('b')], { deliver, report: (report) => reports.push(report) });
    const events = [eventOf(), eventOf(), eventOf()];
    for (const event of events) dispatcher.emit(event);
    await flush();
    // One in flight per hook; the rest wait in each hook's queue.
    expect(pending.map((p) => [p.hook, p.event.id])).toEqual([
      ['a', events[0]!.id],
      ['b', events[0]!.id],
    ]);
    pending[0]!.settle({ ok: true });
    await flush();
    expect(pending.map((p) => [p.hook, p.event.id]).slice(2)).toEqual([['a', events[1]!.id]]);
    for (let i = 0; i < 10 && pending.length < 6; i += 1) {
      for (const p of pending) p.settle({ ok: true });
      await flush();
    }
    expect(pending.filter((p) => p.hook === 'a').map((p) => p.event.id)).toEqual(events.map((e) => e.id));
    expect(pending.filter((p) => p.hook === 'b').map((p) => p.event.id)).toEqual(events.map((e) => e.id));
    for (const p of pending) p.settle({ ok: true });
    await dispatcher.close(1000);
    expect(reports.filter((r) => r.kind === 'delivered')).toHaveLength(6);
  });

  it('hands a hook only the events it is for', async () => {
    const { deliver, pending } = manualDeliveries();
    const dispatcher = new HookDispatcher([spec('exits'), spec('all', { events: new Set<HookEventName>(['health_critical', 'child_exited']) })], { deliver, report: () => undefined });
    dispatcher.emit(eventOf('health_critical'));
    await flush();
    expect(pending.map((p) => p.hook)).toEqual(['all']);
    pending[0]!.settle({ ok: true });
    await dispatcher.close(1000);
  });

  it('drops the oldest waiting event when a queue is full, and counts each drop', async () => {
    const { deliver, pending } = manualDeliveries();
    const reports: HookReport[] = [];
    const dispatcher = new HookDispatcher([spec('a')], { deliver, report: (report) => reports.push(report), queueSize: 2 });
    const events = Array.from({ length: 5 }, () => eventOf());
    for (const event of events) dispatcher.emit(event);
    // events[0] is in flight, [1] and [2] were dropped for [3] and [4].
    const dropped = reports.filter((r): r is Extract<HookReport, { kind: 'dropped' }> => r.kind === 'dropped');
    expect(dropped.map((r) => r.event.id)).toEqual([events[1]!.id, events[2]!.id]);
    const episodes = reports.filter((r) => r.kind === 'episode');
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ report: { kind: 'failed', why: expect.stringMatching(/^its queue is full \(2 events wait\): dropped the oldest, child_exited of /) } });
    for (let i = 0; i < 5 && pending.some((p) => p.event.id === events[4]!.id) === false; i += 1) {
      for (const p of pending) p.settle({ ok: true });
      await flush();
    }
    expect(pending.map((p) => p.event.id)).toEqual([events[0]!.id, events[3]!.id, events[4]!.id]);
    for (const p of pending) p.settle({ ok: true });
    await dispatcher.close(1000);
    expect(reports.filter((r) => r.kind === 'episode').at(-1)).toMatchObject({ report: { kind: 'recovered', failed: 0, dropped: 2 } });
  });

  it('takes no more events once closed, and abandons what is left after the grace, cutting what is in flight', async () => {
    const { deliver, pending } = manualDeliveries();
    const reports: HookReport[] = [];
    const dispatcher = new HookDispatcher([spec('slow')], { deliver, report: (report) => reports.push(report) });
    dispatcher.emit(eventOf());
    dispatcher.emit(eventOf());
    await flush();
    const inFlight = pending[0]!;
    inFlight.signal.addEventListener('abort', () => inFlight.settle({ ok: false, how: 'abandoned' }));
    await dispatcher.close(50);
    dispatcher.emit(eventOf());
    expect(inFlight.signal.aborted).toBe(true);
    expect(pending).toHaveLength(1);
    // The in-flight one and the waiting one, reported once, and no failure line for the cut one.
    expect(reports).toEqual([{ kind: 'abandoned', hook: expect.objectContaining({ name: 'slow' }), count: 2, why: 'exit' }]);
  });

  it('on reload keeps a changed hook and its queue, starts a new one and drops a removed one', async () => {
    const { deliver, pending } = manualDeliveries();
    const reports: HookReport[] = [];
    const dispatcher = new HookDispatcher([spec('kept'), spec('removed')], { deliver, report: (report) => reports.push(report) });
    dispatcher.emit(eventOf());
    dispatcher.emit(eventOf());
    await flush();
    dispatcher.update([spec('kept', { timeoutMs: 9000 }), spec('added')]);
    expect(reports).toEqual([{ kind: 'abandoned', hook: expect.objectContaining({ name: 'removed' }), count: 1, why: 'removed' }]);
    expect(dispatcher.hooks.map((hook) => [hook.name, hook.timeoutMs])).toEqual([
      ['kept', 9000],
      ['added', 1000],
    ]);
    for (const p of pending) p.settle({ ok: true });
    await flush();
    // The kept hook's waiting event goes out with the new settings; the removed one's in-flight delivery ended on its own.
    expect(pending.filter((p) => p.hook === 'kept')).toHaveLength(2);
    for (const p of pending) p.settle({ ok: true });
    dispatcher.emit(eventOf());
    await flush();
    expect(
      pending
        .slice(-2)
        .map((p) => p.hook)
        .sort(),
    ).toEqual(['added', 'kept']);
    for (const p of pending) p.settle({ ok: true });
    await dispatcher.close(1000);
  });

  it('at exit also cuts the last delivery of a hook a reload removed', async () => {
    const { deliver, pending } = manualDeliveries();
    const reports: HookReport[] = [];
    const dispatcher = new HookDispatcher([spec('old')], { deliver, report: (report) => reports.push(report) });
    dispatcher.emit(eventOf());
    await flush();
    dispatcher.update([spec('new')]);
    const inFlight = pending[0]!;
    inFlight.signal.addEventListener('abort', () => inFlight.settle({ ok: false }));
    await dispatcher.close(50);
    expect(inFlight.signal.aborted).toBe(true);
    expect(reports).toEqual([{ kind: 'abandoned', hook: expect.objectContaining({ name: 'old' }), count: 1, why: 'exit' }]);
  });

  it('reports a delivery that threw as a failure, and goes on with the next event', async () => {
    const reports: HookReport[] = [];
    let calls = 0;
    const dispatcher = new HookDispatcher([spec('buggy')], {
      deliver: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve({ ok: true, attempts: 1, how: 'ok' });
      },
      report: (report) => reports.push(report),
    });
    dispatcher.emit(eventOf());
    dispatcher.emit(eventOf());
    await dispatcher.close(1000);
    expect(reports.map((r) => r.kind)).toEqual(['failed', 'episode', 'delivered', 'episode']);
    expect(reports[0]).toMatchObject({ delivery: { ok: false, how: 'failed internally: boom' } });
  });
});

describe('the hooks in the log and the metrics', () => {
  it('log one hook_failed per episode and one hook_recovered, without the secret or the URL path', async () => {
    const { logger, records } = captureLogger();
    const registry = new Registry();
    const count = registerHookMetrics(registry);
    const answers = [false, false, false, true, false];
    const dispatcher = new HookDispatcher([spec('ops')], {
      deliver: () => {
        const ok = answers.shift() ?? true;
        return Promise.resolve({ ok, attempts: ok ? 1 : 4, how: ok ? 'https://hooks.example.com/[redacted] answered 200' : 'https://hooks.example.com/[redacted] answered 503 (4 attempts)' });
      },
      report: (report) => {
        count(report);
        logHookReport(logger, report);
      },
    });
    for (let i = 0; i < 5; i += 1) dispatcher.emit(eventOf());
    await dispatcher.close(1000);
    const hookRecords = records.filter((record) => String(record['event']).startsWith('hook_'));
    expect(hookRecords.map((record) => [record['level'], record['event']])).toEqual([
      ['warn', 'hook_failed'],
      ['info', 'hook_recovered'],
      ['warn', 'hook_failed'],
    ]);
    expect(hookRecords[0]).toMatchObject({
      message: 'hook ops failed: https://hooks.example.com/[redacted] answered 503 (4 attempts); further failures of this hook are counted, not logged, until it delivers again',
      hook: 'ops',
      kind: 'webhook',
      target: 'https://hooks.example.com/[redacted]',
    });
    expect(hookRecords[1]).toMatchObject({ failed: 3, dropped: 0, message: expect.stringMatching(/^hook ops delivers again after \d+ms; events lost meanwhile: 3 failed$/) });
    const text = JSON.stringify(records);
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('the-secret-value-xyz');
    const metrics = await registry.getSingleMetricAsString(HOOK_DELIVERIES_TOTAL);
    expect(metrics).toContain('mpm_hook_deliveries_total{hook="ops",result="failed"} 4');
    expect(metrics).toContain('mpm_hook_deliveries_total{hook="ops",result="delivered"} 1');
  });

  it("log each delivery and a command's output at debug level only", () => {
    const { logger, records } = captureLogger('debug');
    const hook = spec('pager', { target: { kind: 'command', file: '/usr/local/bin/page-me', args: [], cwd: '/' } });
    const event = eventOf();
    logHookReport(logger, { kind: 'delivered', hook, event, delivery: { ok: true, attempts: 1, how: '/usr/local/bin/page-me exited with code 0', output: { stdout: 'paged\n', stderr: '' } } });
    expect(records).toEqual([
      expect.objectContaining({
        level: 'debug',
        event: 'hook_delivery',
        hook: 'pager',
        kind: 'command',
        target: '/usr/local/bin/page-me',
        hookEvent: 'child_exited',
        eventId: event.id,
        ok: true,
        stdout: 'paged\n',
      }),
    ]);
    const quiet = captureLogger('info');
    logHookReport(quiet.logger, { kind: 'delivered', hook, event, delivery: { ok: true, attempts: 1, how: 'exited with code 0' } });
    expect(quiet.records).toEqual([]);
  });
});
