import { afterEach, describe, expect, it } from '@jest/globals';
import { failed, rated, type HealthCheckResult, type HealthMetric } from '@mpm/health';
import { checkCeilingOf, countsAsHealthy, diagnose, RecoveryManager, type CheckCeilings, type RecoveryEvent, type RecoverySettings } from '../src/index.js';
import { FakeClock, settle } from '../../../test/helpers/fake-clock.js';
import { FakeHost } from './fake-host.js';
import { healthy, reading as r, resultOf, stopped } from './results.js';
import { SETTINGS } from './settings.js';

// User-defined checks (health.custom) in recovery: their own failure class, check_failed,
// and no action above the check's maxAction.

const AT = 1_000_000;
const CHECKS: CheckCeilings = { db: 'log_warning', api: 'restart_service', queue: 'clear_connections' };

const down = (name: string, at: number, breaches = 3): HealthMetric => ({ ...failed(name, 'ms', `${name}: HTTP 503 from http://127.0.0.1:4000/ (expected 200–399)`, at), breaches });
const up = (name: string, at: number): HealthMetric => rated(name, 2, 'ms', null, at);

/** The child itself serving well, with these check readings beside it. */
function withChecks(at: number, checks: HealthMetric[], generation = 1): HealthCheckResult {
  return resultOf([...healthy(at, generation).metrics, ...checks], { generation, at });
}

describe('checkCeilingOf', () => {
  it("finds a check's ceiling by its metric, a module check's by the metric's prefix; a built-in metric has none", () => {
    expect(checkCeilingOf('api', CHECKS)).toBe('restart_service');
    expect(checkCeilingOf('queue.depth', CHECKS)).toBe('clear_connections');
    expect(checkCeilingOf('memoryMb', CHECKS)).toBeUndefined();
    expect(checkCeilingOf('toString', CHECKS)).toBeUndefined();
  });
});

describe('diagnose with user-defined checks', () => {
  it('calls a failing check alone check_failed, starting with a log line, up to its maxAction', () => {
    const diagnosis = diagnose(withChecks(AT, [down('api', AT), up('db', AT)]), CHECKS);
    expect(diagnosis).toMatchObject({ failureClass: 'check_failed', severity: 'critical', thresholds: ['api'], floor: 'log_warning', ceiling: 'restart_service', restartVia: 'message' });
    expect(diagnosis?.reason).toBe('api: HTTP 503 from http://127.0.0.1:4000/ (expected 200–399)');
  });

  it('takes the highest maxAction of the checks that fail together, a module check by its name', () => {
    expect(diagnose(withChecks(AT, [down('db', AT), down('queue.depth', AT)]), CHECKS)).toMatchObject({ thresholds: ['db', 'queue.depth'], ceiling: 'clear_connections' });
    expect(diagnose(withChecks(AT, [down('db', AT)]), CHECKS)).toMatchObject({ failureClass: 'check_failed', ceiling: 'log_warning' });
  });

  it('only logs a check at its warning level, and leaves one on its way to critical to the health log', () => {
    const slow = rated('api', 700, 'ms', { warning: 500, critical: 2000 }, AT);
    expect(diagnose(withChecks(AT, [slow]), CHECKS)).toMatchObject({ failureClass: 'check_failed', severity: 'warning', ceiling: 'log_warning' });
    const onItsWay = { ...failed('api', 'ms', 'api: HTTP 503', AT), status: 'warning' as const, breaches: 1 };
    expect(diagnose(withChecks(AT, [onItsWay]), CHECKS)).toBeUndefined();
  });

  it('joins a resource failure with its own ceiling, and is only part of the reason beside a liveness failure', () => {
    const cpu = { ...r.cpu(AT, 99), breaches: 3 };
    const resource = resultOf([r.running(AT), cpu, r.tcp(AT), r.socketio(AT), r.ipc(AT), down('api', AT)]);
    expect(diagnose(resource, CHECKS)).toMatchObject({ failureClass: 'resource', thresholds: ['cpuPercent', 'api'], ceiling: 'restart_service' });
    const hung = resultOf([r.running(AT, 'R'), r.tcp(AT), r.socketioFailed(AT), r.ipcTimeout(AT), down('db', AT)]);
    const diagnosis = diagnose(hung, CHECKS);
    expect(diagnosis).toMatchObject({ failureClass: 'hung', ceiling: 'emergency_stop' });
    expect(diagnosis?.reason).toContain('db: HTTP 503');
  });

  it('treats a metric nobody named as before: a resource that is only logged', () => {
    expect(diagnose(withChecks(AT, [down('mystery', AT)]))).toMatchObject({ failureClass: 'resource', thresholds: ['mystery'], ceiling: 'log_warning' });
  });
});

describe('countsAsHealthy with user-defined checks', () => {
  it('leaves out a check that may only be logged, not one recovery may act on', () => {
    expect(countsAsHealthy(withChecks(AT, [down('db', AT)]), CHECKS)).toBe(true);
    expect(countsAsHealthy(withChecks(AT, [down('api', AT)]), CHECKS)).toBe(false);
    expect(countsAsHealthy(withChecks(AT, [{ ...down('db', AT), status: 'warning', breaches: 1 }]), CHECKS)).toBe(true);
    expect(countsAsHealthy(withChecks(AT, [down('db', AT)]))).toBe(false);
  });
});

const managers: RecoveryManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.close();
});

function setup(settings: RecoverySettings = { ...SETTINGS, checkCeilings: CHECKS }) {
  const clock = new FakeClock();
  const host = new FakeHost();
  const manager = new RecoveryManager({
    host,
    settings,
    clock,
    onError: (error) => {
      throw error;
    },
  });
  managers.push(manager);
  const events: RecoveryEvent[] = [];
  manager.on('event', (event) => events.push(event));
  const check = (make: (at: number, generation: number) => HealthCheckResult): void => manager.handleResult(make(clock.now(), host.generation));
  return { clock, host, manager, events, check };
}

describe('RecoveryManager with user-defined checks', () => {
  it('only logs a check whose maxAction is log_warning, once per window, and never touches the child', async () => {
    const { clock, host, events, check } = setup();
    for (let i = 0; i < 30; i += 1) {
      check((at, generation) => withChecks(at, [down('db', at)], generation));
      await clock.advance(5000);
    }
    expect(host.calls).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'log_warning',
        failureClass: 'check_failed',
        thresholds: ['db'],
        result: 'succeeded',
        detail: 'logged; log_warning is as far as db may escalate, so nothing is done to the child',
      }),
    ]);
  });

  it("climbs a rung per decision up to the check's maxAction", async () => {
    const { clock, host, events, check } = setup();
    const apiDown = (at: number, generation: number): HealthCheckResult => withChecks(at, [down('api', at)], generation);
    check(apiDown);
    expect(events.map((event) => event.action)).toEqual(['log_warning']);
    await clock.advance(10_000);
    check(apiDown);
    await settle();
    expect(host.calls).toEqual([{ kind: 'clearConnections', generation: 1, path: 'ipc' }]);
    await clock.advance(30_000);
    await settle();
    check(apiDown);
    await settle();
    expect(host.calls.at(-1)).toEqual({ kind: 'restart', generation: 1, via: 'message' });
    expect(events.map((event) => [event.action, event.failureClass, event.result])).toEqual([
      ['log_warning', 'check_failed', 'succeeded'],
      ['clear_connections', 'check_failed', 'failed'],
    ]);
    await clock.advance(1000);
    check((at, generation) => withChecks(at, [up('api', at)], generation));
    expect(events.at(-1)).toMatchObject({ action: 'restart_service', failureClass: 'check_failed', result: 'succeeded' });
  });

  it('counts a restart as having worked while a log-only check is still down', async () => {
    const { clock, host, events, check } = setup();
    check(stopped);
    expect(host.calls).toEqual([{ kind: 'restart', generation: 1, via: 'signal' }]);
    await settle();
    await clock.advance(2000);
    check((at, generation) => withChecks(at, [down('db', at)], generation));
    expect(events[0]).toMatchObject({ action: 'restart_service', failureClass: 'stopped', result: 'succeeded' });
  });
});
