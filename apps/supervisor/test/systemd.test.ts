import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { StatusView } from '@mpm/http';
import { busyRound, hungRound, NOW, viewOf } from '../../../packages/http/test/views.js';
import { OrphanReaper } from '../src/descendants/orphan-reaper.js';
import { statusLine } from '../src/systemd/status-line.js';
import { takeSystemdEnvironment } from '../src/systemd/systemd-environment.js';
import { SystemdNotifier, type LoopCheck } from '../src/systemd/systemd-notifier.js';
import { captureLogger } from './capture-logger.js';

describe('takeSystemdEnvironment', () => {
  it('reads NOTIFY_SOCKET and half of WATCHDOG_USEC, and removes them from the environment the child inherits', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '77', PATH: '/bin' };
    expect(takeSystemdEnvironment(env, 77)).toEqual({ notifySocket: '/run/systemd/notify', watchdogPingMs: 15_000 });
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('leaves the watchdog off when it is meant for another pid, malformed, or there is no socket', () => {
    expect(takeSystemdEnvironment({ NOTIFY_SOCKET: '@notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '78' }, 77)).toEqual({ notifySocket: '@notify', watchdogPingMs: null });
    expect(takeSystemdEnvironment({ NOTIFY_SOCKET: '@notify', WATCHDOG_USEC: '30s' }, 77).watchdogPingMs).toBeNull();
    expect(takeSystemdEnvironment({ WATCHDOG_USEC: '30000000' }, 77)).toEqual({ notifySocket: null, watchdogPingMs: null });
    expect(takeSystemdEnvironment({ NOTIFY_SOCKET: '' }, 77).notifySocket).toBeNull();
  });
});

describe('statusLine', () => {
  it('says the child, its health, restarts and the breaker, without anything that ticks', () => {
    expect(statusLine(viewOf())).toBe('child 4242 running; pass; 0 restarts; breaker closed');
    expect(statusLine(viewOf({ child: { restarts: 1 }, latest: busyRound() }))).toBe('child 4242 running; warn: cpuPercent 85 % ≥ warning 80 %; 1 restart; breaker closed');
    expect(statusLine(viewOf({ latest: hungRound(), breaker: { state: 'open', since: NOW - 1000, until: NOW + 60_000, reason: '5 failures' } }))).toMatch(
      /^child 4242 running; fail: cpuPercent 100 % ≥ critical 95 %; 0 restarts; breaker open$/,
    );
  });

  it('has no health before the first spawn, and says why a child is down', () => {
    expect(statusLine(viewOf({ child: { state: 'starting', pid: null }, latest: undefined }))).toBe('child starting; 0 restarts; breaker closed');
    const exited = viewOf({
      child: { state: 'backoff', pid: null, restarts: 2, respawnAt: NOW + 2000, lastExit: { code: 1, signal: null, uptimeMs: 1500, at: NOW - 10 } },
      latest: undefined,
    });
    expect(statusLine(exited)).toBe('child backoff; fail: the child exited (code 1 after 1.5 s) and is respawned in 2.0 s; 2 restarts; breaker closed');
  });
});

describe('SystemdNotifier', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  function notifierWith(options: { views: StatusView[]; loopCheck?: () => LoopCheck; watchdogPingMs?: number | null; failing?: boolean }) {
    const sent: string[][] = [];
    let change: () => void = () => undefined;
    const { logger, records } = captureLogger('debug');
    const notifier = new SystemdNotifier({
      sender: {
        send(fields) {
          if (options.failing === true) throw new Error('sendto NOTIFY_SOCKET: Connection refused');
          sent.push([...fields]);
        },
      },
      view: () => options.views[0]!,
      onChange: (listener) => {
        change = listener;
        return () => (change = () => undefined);
      },
      watchdogPingMs: options.watchdogPingMs ?? null,
      loopCheck: options.loopCheck ?? (() => ({ healthy: true })),
      logger,
      monotonicMicros: () => 123_456n,
    });
    return { notifier, sent, records, changed: () => change() };
  }

  it('sends READY=1 once, when the child is first ready; before that only status lines', () => {
    const views = [viewOf({ child: { state: 'starting', pid: null }, latest: undefined })];
    const { notifier, sent, changed } = notifierWith({ views });
    const stop = notifier.start();
    views[0] = viewOf({ latest: busyRound() });
    changed();
    expect(sent).toEqual([['STATUS=child starting; 0 restarts; breaker closed'], ['READY=1', 'STATUS=child 4242 running; warn: cpuPercent 85 % ≥ warning 80 %; 0 restarts; breaker closed']]);
    views[0] = viewOf();
    changed();
    changed();
    expect(sent.slice(2)).toEqual([['STATUS=child 4242 running; pass; 0 restarts; breaker closed']]);
    stop();
  });

  it('wraps a reload in RELOADING=1 and READY=1, but not before the first READY=1, and says STOPPING=1 once', () => {
    const views = [viewOf({ child: { state: 'starting', pid: null }, latest: undefined })];
    const { notifier, sent, changed } = notifierWith({ views });
    const stop = notifier.start();
    notifier.reloading();
    notifier.reloaded();
    expect(sent.flat().some((field) => field === 'RELOADING=1' || field === 'READY=1')).toBe(false);
    views[0] = viewOf();
    changed();
    notifier.reloading();
    notifier.reloaded();
    notifier.stopping('asked to stop');
    notifier.stopping('asked to stop');
    notifier.reloading();
    changed();
    expect(sent.slice(1)).toEqual([
      ['READY=1', 'STATUS=child 4242 running; pass; 0 restarts; breaker closed'],
      ['RELOADING=1', 'MONOTONIC_USEC=123456', 'STATUS=reloading the config'],
      ['READY=1', 'STATUS=child 4242 running; pass; 0 restarts; breaker closed'],
      ['STOPPING=1', 'STATUS=stopping: asked to stop'],
    ]);
    stop();
  });

  it('feeds the watchdog only while the loop check passes, and says so when it stops and starts again', () => {
    jest.useFakeTimers();
    let check: LoopCheck = { healthy: true };
    const { notifier, sent, records } = notifierWith({ views: [viewOf()], watchdogPingMs: 1000, loopCheck: () => check });
    const stop = notifier.start();
    const pings = (): number => sent.filter((fields) => fields[0] === 'WATCHDOG=1').length;
    jest.advanceTimersByTime(2000);
    expect(pings()).toBe(2);
    check = { healthy: false, reason: 'no health check round for 40 s (every 5 s expected)' };
    jest.advanceTimersByTime(3000);
    expect(pings()).toBe(2);
    expect(records.filter((record) => record['event'] === 'watchdog_withheld')).toHaveLength(1);
    check = { healthy: true };
    jest.advanceTimersByTime(1000);
    expect(pings()).toBe(3);
    expect(records.filter((record) => record['event'] === 'watchdog_resumed')).toHaveLength(1);
    stop();
    jest.advanceTimersByTime(5000);
    expect(pings()).toBe(3);
  });

  it('logs a failing socket once per run of failures', () => {
    const views = [viewOf()];
    const { notifier, records, changed } = notifierWith({ views, failing: true });
    const stop = notifier.start();
    views[0] = viewOf({ latest: busyRound() });
    changed();
    const failures = records.filter((record) => record['event'] === 'systemd_notify_failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]!['message']).toBe('could not notify systemd (READY=1): sendto NOTIFY_SOCKET: Connection refused');
    stop();
  });
});

describe('OrphanReaper', () => {
  it("collects the zombies Node did not spawn and leaves Node's own child to libuv", () => {
    const { logger, records } = captureLogger('debug');
    const asked: number[] = [];
    const reaper = new OrphanReaper({
      reap: (pid) => {
        asked.push(pid);
        return pid === 31 ? { code: 0, signal: null } : pid === 32 ? { code: null, signal: 9 } : null;
      },
      ownChildren: () => [30],
      logger,
      listZombies: () => [{ pid: 30 }, { pid: 31 }, { pid: 32 }, { pid: 33 }],
    });
    expect(reaper.sweep()).toBe(2);
    expect(asked).toEqual([31, 32, 33]);
    expect(reaper.reaped).toBe(2);
    expect(records.filter((record) => record['event'] === 'orphan_reaped').map((record) => record['message'])).toEqual([
      'collected the exited orphan 31 (exit code 0)',
      'collected the exited orphan 32 (signal 9)',
    ]);
  });

  it('logs a failing waitpid and goes on with the others', () => {
    const { logger, records } = captureLogger('debug');
    const reaper = new OrphanReaper({
      reap: (pid) => {
        if (pid === 40) throw new Error('waitpid: Invalid argument');
        return { code: 3, signal: null };
      },
      ownChildren: () => [],
      logger,
      listZombies: () => [{ pid: 40 }, { pid: 41 }],
    });
    expect(reaper.sweep()).toBe(1);
    expect(records.find((record) => record['event'] === 'orphan_reap_failed')?.['message']).toBe('could not collect the exited orphan 40: waitpid: Invalid argument');
  });
});
