import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { expectAllGone } from '../helpers/processes.js';
import { at, between, childLine, decision, decisions, healthTo, measureDemoServer, merge, timeOf, type DemoBaseline, type Json } from '../helpers/records.js';
import { pingUntilAnswered } from '../helpers/socketio.js';
import { fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';
import { cleanUp, connectClient, DEADLINE_MS, type Run, stopCleanly, supervise, superviseDemo, superviseDemoFaultyOnce, tempDir, writeConfig } from './recovery-setup.js';

// Graded recovery behind the circuit breaker (docs/design.md §4), as a user sees it: real children
// with real faults, and the supervisor's log records of what it decided and did.

afterEach(cleanUp);

let baseline: DemoBaseline;
beforeAll(async () => {
  baseline = await measureDemoServer();
});

/**
 * The warning decisions about one metric. A busy machine may read another metric (the child's
 * CPU, say) over its warning line for a round; that is its own warning, logged beside these.
 */
function warningsFor(supervisor: SupervisorProcess, metric: string): LogRecord[] {
  return decisions(supervisor, { severity: 'warning' }).filter((record) => (record['thresholds'] as unknown[] | undefined)?.includes(metric));
}

describe('graded recovery climbs the ladder for resources, up to their ceilings', () => {
  /** The first child's critical resource decisions, in order: the rungs it climbed. */
  const rungs = (supervisor: SupervisorProcess): LogRecord[] => decisions(supervisor, { failureClass: 'resource', severity: 'critical', generation: 1 });
  /** Those rungs as [action, result]. */
  const ladder = (supervisor: SupervisorProcess): Array<[unknown, unknown]> => rungs(supervisor).map((record) => [record['action'], record['result']]);

  it('a slow memory leak past memoryMb critical: clear_connections, ended early as memory keeps rising, then a restart that succeeds', async () => {
    // Slow enough that the ladder restarts it before 1.5 × critical: 40 MB above critical at 5 MB/s.
    const warning = Math.ceil(baseline.rssMb + 15);
    const critical = Math.ceil(baseline.rssMb + 30);
    const { supervisor } = superviseDemoFaultyOnce({ DEMO_LEAK_MB_PER_SEC: '5' }, { over: { health: { thresholds: { memoryMb: { warning, critical } } }, recovery: { verifyTimeoutMs: '20s' } } });
    const first = await supervisor.waitForListening();

    const restart = await decision(supervisor, { action: 'restart_service' });
    expect(restart).toMatchObject({ failureClass: 'resource', severity: 'critical', result: 'succeeded', childPid: first.pid, generation: 1 });
    // Graceful: the agent answers, so it is asked over IPC.
    expect(restart['detail']).toMatch(/^asked the agent over IPC to shut down; new child \d+; healthy again/);
    // At critical the warning is behind it: the first rung acts.
    expect(ladder(supervisor)).toEqual([
      ['clear_connections', 'failed'],
      ['restart_service', 'succeeded'],
    ]);
    for (const record of rungs(supervisor)) expect(record['thresholds']).toContain('memoryMb');
    const [cleared] = rungs(supervisor);
    // Judged by memory's course, long before verifyTimeoutMs (20 s).
    // Seen by the memory sampler (its pace) or by two rounds in a row (the readings), whichever first.
    expect(cleared!['detail']).toMatch(/^the agent disconnected 0 client\(s\); memoryMb kept rising: [\d.]+ → [\d.]+ (→ [\d.]+ MiB|MiB at \+[\d.]+ MiB\/s); ended before verifyTimeoutMs$/);
    expect(Number(cleared!['durationMs'])).toBeLessThan(20_000);
    expect(String(restart['reason'])).toMatch(new RegExp(`^memoryMb [\\d.]+ MiB ≥ critical ${critical} MiB`));

    expect(supervisor.childPids()).toHaveLength(2);
    await expectAllGone([first.pid]);
    await stopCleanly(supervisor);
  });

  it('a fast memory leak that would outrun the ladder: restarted gracefully at once, with the forecast as its reason', async () => {
    const critical = Math.ceil(baseline.rssMb + 50);
    const { supervisor } = superviseDemoFaultyOnce({ DEMO_LEAK_MB_PER_SEC: '100' }, { over: { health: { thresholds: { memoryMb: { warning: Math.ceil(baseline.rssMb + 25), critical } } } } });
    const first = await supervisor.waitForListening();

    const restart = await decision(supervisor, { action: 'restart_service' });
    expect(restart).toMatchObject({ failureClass: 'resource', severity: 'critical', result: 'succeeded', childPid: first.pid, generation: 1, thresholds: ['memoryMb'] });
    expect(String(restart['reason'])).toMatch(
      new RegExp(`^memoryMb [\\d.]+ MiB at \\+[\\d.]+ MiB/s reaches [\\d.]+ MiB \\(1\\.5 × critical\\) in [\\d.]+ s, before the ladder could restart it \\(in [\\d.]+ s\\)$`),
    );
    // No rung before it: the forecast does not wait for failureThreshold rounds.
    expect(ladder(supervisor)).toEqual([['restart_service', 'succeeded']]);
    expect(restart['detail']).toMatch(/^asked the agent over IPC to shut down; new child \d+; healthy again/);

    expect(supervisor.childPids()).toHaveLength(2);
    await expectAllGone([first.pid]);
    await stopCleanly(supervisor);
  });

  it('a memory leak past child.maxMemoryMb (--max-memory): restarted gracefully at once, without climbing the ladder', async () => {
    const limit = Math.ceil(baseline.rssMb + 40);
    const dir = tempDir();
    const config = writeConfig(dir);
    const env = { START_COUNT_FILE: join(dir, 'starts'), FAULTS_ONCE: JSON.stringify({ DEMO_LEAK_MB_PER_SEC: '25' }) };
    const supervisor = new SupervisorProcess(['--config', config, '--port', '0', '--max-memory', String(limit), '--', 'node', fixturePath('demo-faulty-once.mjs')], { env });
    const first = await supervisor.waitForListening();

    const restart = await decision(supervisor, { action: 'restart_service' });
    expect(restart).toMatchObject({ failureClass: 'resource', severity: 'critical', result: 'succeeded', childPid: first.pid, generation: 1, thresholds: ['memoryMb'] });
    expect(String(restart['reason'])).toMatch(new RegExp(`^memoryMb [\\d.]+ MiB ≥ limit ${limit} MiB \\(child\\.maxMemoryMb\\)$`));
    expect(restart['detail']).toMatch(/^asked the agent over IPC to shut down; new child \d+; healthy again/);
    // The first critical decision is the restart itself, at the first reading over the limit
    // (a health round's or the quicker memory sampler's): no rung before it.
    expect(ladder(supervisor)).toEqual([['restart_service', 'succeeded']]);

    expect(supervisor.childPids()).toHaveLength(2);
    await expectAllGone([first.pid]);
    await stopCleanly(supervisor);
  });

  it('a file descriptor leak past openFds critical: the same ladder, and the restart succeeds', async () => {
    const warning = baseline.fds + 30;
    const critical = baseline.fds + 60;
    const { supervisor } = superviseDemoFaultyOnce({ DEMO_LEAK_FDS_PER_SEC: '30' }, { over: { health: { thresholds: { openFds: { warning, critical } } } } });
    const first = await supervisor.waitForListening();

    const restart = await decision(supervisor, { action: 'restart_service' });
    expect(restart).toMatchObject({ failureClass: 'resource', result: 'succeeded', childPid: first.pid, thresholds: ['openFds'] });
    expect(ladder(supervisor)).toEqual([
      ['clear_connections', 'failed'],
      ['restart_service', 'succeeded'],
    ]);
    for (const record of rungs(supervisor)) expect(record['thresholds']).toContain('openFds');
    await expectAllGone([first.pid]);
    await stopCleanly(supervisor);
  });

  it('never restarts a CPU-bound child that still answers: clear_connections is as far as cpuPercent goes', async () => {
    // Idle, the demo server uses a few percent; busy it spins 95 ms of every 100 ms. The
    // critical line is low so that a busy machine, which gives the child less than a core,
    // still reads it over critical in every round.
    const { supervisor } = superviseDemo({ DEMO_BUSY_PERCENT: '95' }, { over: { health: { thresholds: { cpuPercent: { warning: 5, critical: 10 } } } } });
    const { port, pid } = await supervisor.waitForListening();

    const atCeiling = await supervisor.waitForRecord((record) => record['event'] === 'recovery' && record['action'] === 'log_warning' && String(record['detail']).includes('is as far as'), {
      timeoutMs: DEADLINE_MS,
      what: 'the log_warning at the ceiling',
    });
    expect(atCeiling).toMatchObject({ failureClass: 'resource', severity: 'critical', result: 'succeeded', childPid: pid, level: 'warn' });
    expect(atCeiling['detail']).toMatch(/^clear_connections is as far as cpuPercent may escalate, .*logging only$/);
    const upToCeiling = decisions(supervisor).filter((record) => at(supervisor, record) <= at(supervisor, atCeiling));
    const ladder = upToCeiling.filter((record) => record['severity'] === 'critical');
    // The climb to the ceiling ends with these two. Should a round on a loaded machine
    // have read the child under critical, an earlier climb ended early as a success and
    // left only log_warning and clear_connections behind: never more.
    expect(ladder.slice(-2).map((record) => [record['action'], record['result']])).toEqual([
      ['clear_connections', 'failed'],
      ['log_warning', 'succeeded'],
    ]);
    expect(new Set(ladder.map((record) => record['action']))).toEqual(new Set(['log_warning', 'clear_connections']));
    for (const record of ladder) expect(record['thresholds']).toContain('cpuPercent');
    // A child this busy on a loaded machine may also answer its probes slowly: a warning,
    // which is logged and nothing more.
    expect(upToCeiling.filter((record) => record['severity'] !== 'critical' && record['action'] !== 'log_warning')).toEqual([]);

    expect(supervisor.events('child_spawned')).toHaveLength(1);
    expect(supervisor.events('child_stopping')).toEqual([]);
    expect(decisions(supervisor).filter((record) => record['action'] === 'restart_service' || record['action'] === 'emergency_stop')).toEqual([]);
    // Busy, not hung: it still answers, as the same process.
    expect((await pingUntilAnswered(port)).pid).toBe(pid);
    expect(isProcessAlive(pid)).toBe(true);
    await stopCleanly(supervisor);
  });

  it('clears the connections of too many clients; every client is dropped and the server stays up', async () => {
    const { supervisor } = superviseDemo({}, { over: { health: { thresholds: { clients: { warning: 3, critical: 5 } } } } });
    const { port, pid } = await supervisor.waitForListening();
    await healthTo(supervisor, 'healthy');
    const reasons: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const client = await connectClient(port);
      client.once('disconnect', (reason) => reasons.push(reason));
    }

    const cleared = await decision(supervisor, { action: 'clear_connections' });
    expect(cleared).toMatchObject({ failureClass: 'resource', severity: 'critical', result: 'succeeded', childPid: pid, thresholds: ['clients'] });
    expect(cleared['detail']).toMatch(/^the agent disconnected 8 client\(s\); healthy again \d+ ms after the decision$/);
    // Critical starts on the first rung that acts; a warning on the way up (if a round saw one) is logged once beside it.
    expect(decisions(supervisor, { severity: 'critical' }).map((record) => record['action'])).toEqual(['clear_connections']);
    expect(warningsFor(supervisor, 'clients').length).toBeLessThanOrEqual(1);
    await waitUntil(() => reasons.length === 8, { timeoutMs: DEADLINE_MS, what: 'all 8 clients to see a disconnect' });
    expect(new Set(reasons)).toEqual(new Set(['transport close']));

    expect(supervisor.events('child_spawned')).toHaveLength(1);
    expect(supervisor.events('child_stopping')).toEqual([]);
    expect((await pingUntilAnswered(port)).pid).toBe(pid);
    await stopCleanly(supervisor);
  });
});

describe('clear_connections for a child without the agent', () => {
  const holdsFds = (over: Json): Run =>
    supervise(['node', fixturePath('holds-fds.mjs')], {
      over: merge({ health: { thresholds: { openFds: { warning: 60, critical: 90 } } } }, over),
      env: { HOLD_FDS: '200', FDS_PER_STEP: '20', LEAK_AFTER_MS: '800' },
    });

  it('sends child.clearConnectionsSignal, and the child that let go of its files is healthy again', async () => {
    const { supervisor } = holdsFds({ child: { clearConnectionsSignal: 'SIGUSR2' } });
    const cleared = await decision(supervisor, { action: 'clear_connections' });
    const pid = supervisor.childPids()[0]!;
    expect(cleared).toMatchObject({ failureClass: 'resource', result: 'succeeded', childPid: pid, thresholds: ['openFds'] });
    expect(cleared['detail']).toMatch(/^sent SIGUSR2 to the child; healthy again \d+ ms after the decision$/);
    const closed = await childLine(supervisor, /^closed \d+ fds$/);
    expect(Number(/\d+/.exec(closed.message)![0])).toBeGreaterThanOrEqual(90);
    // Critical starts on the first rung that acts; a warning on the way up (if a round saw one) is logged once beside it.
    expect(decisions(supervisor, { severity: 'critical' }).map((record) => record['action'])).toEqual(['clear_connections']);
    expect(warningsFor(supervisor, 'openFds').length).toBeLessThanOrEqual(1);
    expect(supervisor.events('child_spawned')).toHaveLength(1);
    expect(supervisor.events('child_stopping')).toEqual([]);
    await stopCleanly(supervisor);
  });

  it('without that setting skips clear_connections as unavailable and restarts at once', async () => {
    const { supervisor } = holdsFds({});
    const skipped = await decision(supervisor, { action: 'clear_connections' });
    const pid = supervisor.childPids()[0]!;
    expect(skipped).toMatchObject({ failureClass: 'resource', result: 'skipped', skip: 'unavailable', childPid: pid, level: 'warn' });
    expect(skipped['detail']).toBe('no agent answers over IPC and child.clearConnectionsSignal is not set: climbing a rung');

    // The next rung in the same breath: no health round, no minActionIntervalMs in between.
    const started = await supervisor.waitForEvent('recovery_started', { from: at(supervisor, skipped) });
    expect(started).toMatchObject({ action: 'restart_service', failureClass: 'resource', childPid: pid });
    expect(between(supervisor, skipped, started).filter((record) => record.source === 'supervisor')).toEqual([]);
    expect(timeOf(started) - timeOf(skipped)).toBeLessThan(100);

    const restart = await decision(supervisor, { action: 'restart_service' }, at(supervisor, started));
    expect(restart).toMatchObject({ result: 'succeeded', id: started['id'], childPid: pid });
    // No agent: the graceful stop is the stop signal.
    expect(restart['detail']).toMatch(/^SIGTERM to the process group; new child \d+; healthy again/);
    await expectAllGone([pid]);
    await stopCleanly(supervisor);
  });
});
