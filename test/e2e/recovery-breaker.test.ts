import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { expectAllGone } from '../helpers/processes.js';
import { at, between, breakerTo, decisions, healthTo, merge, timeOf, type Json } from '../helpers/records.js';
import { fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { cleanUp, DEADLINE_MS, QUICK, type Run, stopCleanly, superviseDemo, tempDir, writeConfig } from './recovery-setup.js';

// Graded recovery behind the circuit breaker (docs/design.md §4), as a user sees it: real children
// with real faults, and the supervisor's log records of what it decided and did.

afterEach(cleanUp);

describe('the circuit breaker', () => {
  const crashLoop = (failStarts: string, over: Json = {}): Run => {
    const dir = tempDir();
    const config = writeConfig(dir, over);
    const env = { FAIL_COUNT_FILE: join(dir, 'count'), FAIL_STARTS: failStarts };
    const supervisor = new SupervisorProcess(['--config', config, '--', 'node', fixturePath('fails-first-starts.mjs')], { env });
    return { supervisor, dir, config };
  };

  it('opens in a crash loop, blocks respawns while open, half-opens once after timeoutMs, and closes once the child is healthy', async () => {
    // Every start fails until the test takes the fault away (FAIL_STARTS is far off).
    const { supervisor, dir } = crashLoop('1000', { recovery: { circuitBreaker: { timeoutMs: '2500ms' } } });
    const open = await breakerTo(supervisor, 'open');
    // The fault is gone while the breaker is open: the next start is past FAIL_STARTS.
    writeFileSync(join(dir, 'count'), '1000');
    expect(open).toMatchObject({ from: 'closed', opensInARow: 1, exhausted: false, level: 'error' });
    expect(open.message).toContain('(failureThreshold 2)');
    const until = Date.parse(String(open['until']));
    expect(until - timeOf(open)).toBeGreaterThanOrEqual(2400);
    expect(until - timeOf(open)).toBeLessThanOrEqual(2600);

    const halfOpen = await breakerTo(supervisor, 'half_open', at(supervisor, open));
    const closed = await breakerTo(supervisor, 'closed', at(supervisor, halfOpen));
    // Nothing was respawned while open, and not before its time was up.
    const whileOpen = between(supervisor, open, halfOpen);
    expect(whileOpen.filter((record) => record['event'] === 'child_spawned')).toEqual([]);
    expect(whileOpen.filter((record) => record['event'] === 'recovery')).toMatchObject([{ action: 'restart_service', failureClass: 'crashed', result: 'blocked', breaker: 'open' }]);
    expect(timeOf(halfOpen)).toBeGreaterThanOrEqual(until - 5);

    // Exactly one trial, which worked; successThreshold healthy checks closed the breaker.
    expect(between(supervisor, halfOpen, closed).filter((record) => record['event'] === 'child_spawned')).toHaveLength(1);
    expect(decisions(supervisor, { breaker: 'half_open' })).toMatchObject([{ action: 'restart_service', failureClass: 'crashed', result: 'succeeded' }]);
    expect(closed).toMatchObject({ from: 'half_open', failures: 0, level: 'info' });
    expect(closed.message).toContain('2 healthy checks in half_open (successThreshold 2)');

    // Every start before the open failed; the trial's is the one that stayed up.
    const starts = supervisor.childLines().map((record) => record.message);
    const pids = supervisor.childPids();
    expect(starts.at(-1)).toBe(`start 1001: up pid=${pids.at(-1)!}`);
    expect(starts.slice(0, -1)).toEqual(starts.slice(0, -1).map((_, index) => `start ${index + 1}: failing`));
    expect(isProcessAlive(pids.at(-1)!)).toBe(true);
    await stopCleanly(supervisor);
  });

  it('gives up after maxOpenCycles opens in a row: exit 75, a recovery_gave_up record, no process left', async () => {
    const { supervisor } = crashLoop('forever', { recovery: { circuitBreaker: { maxOpenCycles: 2 } } });
    const exit = await supervisor.waitForExit(DEADLINE_MS);
    expect(exit).toEqual({ code: 75, signal: null });

    const transitions = supervisor.events('circuit_breaker').map((record) => [record['from'], record['to'], record['opensInARow'], record['exhausted']]);
    expect(transitions).toEqual([
      ['closed', 'open', 1, false],
      ['open', 'half_open', 1, undefined],
      ['half_open', 'open', 2, true],
    ]);
    const gaveUp = supervisor.events('recovery_gave_up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ level: 'error' });
    expect(gaveUp[0]!['reason']).toMatch(/^the circuit breaker opened 2 time\(s\) in a row \(maxOpenCycles 2\); the last: the half-open trial failed/);
    // Nothing was spawned once it gave up, and it said how it ends.
    expect(supervisor.records.slice(at(supervisor, gaveUp[0]!)).filter((record) => record['event'] === 'child_spawned')).toEqual([]);
    expect(supervisor.records.at(-1)).toMatchObject({ event: 'supervisor_stopped', exitCode: 75 });
    // The half-open trial was one more start, and it failed too.
    const [, halfOpen, last] = supervisor.events('circuit_breaker');
    expect(between(supervisor, halfOpen!, last!).filter((record) => record['event'] === 'child_spawned')).toHaveLength(1);
    await expectAllGone(supervisor.childPids());
  });

  it('stays open across a SIGHUP that changes the recovery settings; the new timeout applies from the next open', async () => {
    const { supervisor, config } = crashLoop('forever', { recovery: { circuitBreaker: { timeoutMs: '3s' } } });
    const open = await breakerTo(supervisor, 'open');
    const until = Date.parse(String(open['until']));

    writeFileSync(config, JSON.stringify(merge(QUICK, { recovery: { minActionIntervalMs: 600, circuitBreaker: { timeoutMs: '1s' } } })));
    supervisor.signal('SIGHUP');
    const reloaded = await supervisor.waitForEvent('config_reloaded', { from: at(supervisor, open), timeoutMs: DEADLINE_MS });
    expect(reloaded.message).toContain('recovery.minActionIntervalMs 800ms → 600ms');
    expect(reloaded.message).toContain('recovery.circuitBreaker.timeoutMs 3s → 1s');
    expect((reloaded['changes'] as Json[]).map((change) => change['key']).sort()).toEqual(['recovery.circuitBreaker.timeoutMs', 'recovery.minActionIntervalMs']);
    // The reload came well before the open's end, so it is the open that was tested.
    expect(timeOf(reloaded)).toBeLessThan(until - 1000);

    const halfOpen = await breakerTo(supervisor, 'half_open', at(supervisor, open));
    expect(timeOf(halfOpen)).toBeGreaterThanOrEqual(until - 5);
    const whileOpen = between(supervisor, open, halfOpen);
    expect(whileOpen.filter((record) => record['event'] === 'child_spawned' || record['event'] === 'circuit_breaker')).toEqual([]);
    expect(supervisor.events('circuit_breaker').filter((record) => record['to'] === 'closed')).toEqual([]);

    // The trial crashes too: the next open is the second in a row, 2 × the new 1 s.
    const reopened = await breakerTo(supervisor, 'open', at(supervisor, halfOpen));
    expect(reopened).toMatchObject({ from: 'half_open', opensInARow: 2, exhausted: false });
    const length = Date.parse(String(reopened['until'])) - timeOf(reopened);
    expect(length).toBeGreaterThanOrEqual(1900);
    expect(length).toBeLessThanOrEqual(2100);
    await stopCleanly(supervisor);
  });
});

describe('with recovery disabled', () => {
  it('logs a hung child critical and its decisions skipped, leaves it running, and still stops cleanly on SIGTERM', async () => {
    const { supervisor } = superviseDemo({ DEMO_BLOCK_AFTER_MS: '1000' }, { args: ['--no-recovery'] });
    const disabled = await supervisor.waitForEvent('recovery_disabled', { timeoutMs: DEADLINE_MS });
    expect(disabled).toMatchObject({ level: 'warn' });
    const { pid } = await supervisor.waitForListening();
    const critical = await healthTo(supervisor, 'critical');
    expect(critical).toMatchObject({ level: 'error', childPid: pid });

    // Two decisions for the hang, minActionIntervalMs apart: each one skipped, none climbing.
    const hung = () => decisions(supervisor, { failureClass: 'hung' });
    await supervisor.waitForRecord(() => hung().length >= 2, { timeoutMs: DEADLINE_MS, what: 'two recovery decisions for the hang' });
    for (const record of hung()) {
      expect(record).toMatchObject({ action: 'emergency_stop', result: 'skipped', skip: 'disabled', childPid: pid });
      expect(record['detail']).toBe('recovery is disabled (--no-recovery): would have done emergency_stop');
    }
    // The blocked loop spins a core, so a round may also read cpuPercent over its warning line:
    // that decision is a log line, which recovery off still writes. Nothing else is ever done.
    expect(decisions(supervisor).filter((record) => record['result'] !== 'skipped' && record['action'] !== 'log_warning')).toEqual([]);
    expect(supervisor.events('recovery_started')).toEqual([]);
    expect(supervisor.events('child_stopping')).toEqual([]);
    expect(supervisor.events('child_spawned')).toHaveLength(1);
    expect(isProcessAlive(pid)).toBe(true);

    // A blocked loop never runs its SIGTERM handler: the stop ends in SIGKILL, and exit 0.
    await stopCleanly(supervisor);
    expect(supervisor.events('child_stopping')).toMatchObject([{ childPid: pid, reason: 'shutdown' }]);
    expect(supervisor.events('child_kill_escalated')).toMatchObject([{ childPid: pid }]);
  });
});
