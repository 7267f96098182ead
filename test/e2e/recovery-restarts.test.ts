import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { expectAllGone } from '../helpers/processes.js';
import { at, childLine, decision, healthTo } from '../helpers/records.js';
import { freePort } from '../helpers/ports.js';
import { pingUntilAnswered } from '../helpers/socketio.js';
import { fixturePath, SupervisorProcess } from '../helpers/supervisor.js';
import { cleanUp, stopCleanly, stopped, superviseDemo, superviseDemoFaultyOnce, tempDir, writeConfig } from './recovery-setup.js';

// Graded recovery behind the circuit breaker (docs/design.md §4), as a user sees it: real children
// with real faults, and the supervisor's log records of what it decided and did.

afterEach(cleanUp);

describe('graded recovery restarts a child that stopped serving', () => {
  it('kills a hung child (blocked event loop) at once, as it could not run a stop handler; the new child answers a Socket.IO ping', async () => {
    const { supervisor } = superviseDemoFaultyOnce({ DEMO_BLOCK_AFTER_MS: '1000' });
    const first = await supervisor.waitForListening();
    await childLine(supervisor, /^demo-server blocking the event loop$/);

    const kill = await decision(supervisor, { action: 'emergency_stop' });
    expect(kill).toMatchObject({ failureClass: 'hung', severity: 'critical', result: 'succeeded', childPid: first.pid, generation: 1, level: 'info' });
    expect(kill['detail']).toMatch(/^SIGKILL to the process group at once; new child \d+; healthy again \d+ ms after the decision$/);
    expect(supervisor.events('recovery_started').map((record) => record['action'])).toEqual(['emergency_stop']);
    // No wait for a stop signal a blocked loop cannot handle.
    expect(supervisor.events('child_stopping')).toMatchObject([{ childPid: first.pid, how: 'kill', signal: 'SIGKILL' }]);

    const spawned = supervisor.events('child_spawned');
    expect(spawned).toHaveLength(2);
    const second = await supervisor.waitForListening({ from: at(supervisor, spawned[1]!) });
    expect(second.pid).not.toBe(first.pid);
    expect(kill['detail']).toContain(`new child ${second.pid}`);
    expect((await pingUntilAnswered(second.port)).pid).toBe(second.pid);
    await expectAllGone([first.pid]);
    await stopCleanly(supervisor);
  });

  it('restarts a stopped (SIGSTOP) child by signal, with SIGCONT; the old pid is gone', async () => {
    // The graceful stop is asserted, so it gets room: on a loaded machine a demo server just
    // woken by SIGCONT can take longer than QUICK's 1 s to close and exit.
    const { supervisor } = superviseDemo({}, { over: { child: { killTimeoutMs: '10s' } } });
    const healthy = await healthTo(supervisor, 'healthy');
    const pid = Number(healthy['childPid']);
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);

    const restart = await decision(supervisor, { action: 'restart_service' }, at(supervisor, healthy));
    expect(restart).toMatchObject({ failureClass: 'stopped', severity: 'critical', result: 'succeeded', childPid: pid });
    expect(String(restart['reason'])).toContain(`process ${pid} is T (stopped)`);
    // It went on SIGTERM (with SIGCONT): the demo server shut down by itself, no SIGKILL.
    expect(supervisor.events('child_stopping')).toMatchObject([{ childPid: pid, reason: 'recovery', how: 'signal', signal: 'SIGTERM' }]);
    expect(supervisor.events('child_exited')).toMatchObject([{ childPid: pid, expected: true, reason: 'recovery' }]);
    // Never SIGKILL: it ended on the SIGTERM, by its own handler (exit 0) or, as two CPU
    // burners showed once in five runs, by the signal's default action (the demo server's
    // handler did not run; not understood, and the supervisor's part is the same).
    expect(supervisor.events('child_exited')[0]!.message).toMatch(new RegExp(`^child ${pid} (exited with code 0|was killed by SIGTERM) after `));
    await expectAllGone([pid]);
    const pids = supervisor.childPids();
    expect(pids).toHaveLength(2);
    expect(isProcessAlive(pids[1]!)).toBe(true);
    await stopCleanly(supervisor);
  });

  it('SIGKILLs a stopped child that ignores SIGTERM after killTimeoutMs, and the recovery succeeds with a new child', async () => {
    const { supervisor } = superviseDemoFaultyOnce({ DEMO_SIGSTOP_AFTER_MS: '1000', DEMO_IGNORE_SIGTERM: '1' });
    const first = await supervisor.waitForListening();
    stopped.push(first.pid);

    const restart = await decision(supervisor, { action: 'restart_service' });
    expect(restart).toMatchObject({ failureClass: 'stopped', result: 'succeeded', childPid: first.pid });
    expect(restart['detail']).toMatch(/^SIGTERM to the process group, SIGKILL after 1\.0s; new child \d+; /);
    expect(supervisor.events('child_stopping')).toMatchObject([{ childPid: first.pid, how: 'signal', signal: 'SIGTERM', killTimeoutMs: 1000 }]);
    const [escalated] = supervisor.events('child_kill_escalated');
    expect(escalated).toMatchObject({ childPid: first.pid, level: 'warn', members: [first.pid] });
    expect(Number(escalated!['afterMs'])).toBeGreaterThanOrEqual(990);
    expect(supervisor.events('child_exited')).toMatchObject([{ childPid: first.pid, signal: 'SIGKILL', expected: true, reason: 'recovery' }]);

    const second = await supervisor.waitForListening({ from: at(supervisor, supervisor.events('child_spawned')[1]!) });
    expect((await pingUntilAnswered(second.port)).pid).toBe(second.pid);
    await expectAllGone([first.pid]);
    await stopCleanly(supervisor);
  });
});

describe('graded recovery restarts a child that never becomes ready', () => {
  it('restarts a child whose port stays closed past child.startupTimeoutMs (startup_timeout), by signal', async () => {
    const port = await freePort();
    const dir = tempDir();
    const config = writeConfig(dir, { child: { port, startupTimeoutMs: '1500ms' } });
    const env = { START_COUNT_FILE: join(dir, 'starts'), FAULTS_ONCE: JSON.stringify({ DEMO_NO_LISTEN: '1' }) };
    const supervisor = new SupervisorProcess(['--config', config, '--', 'node', fixturePath('demo-faulty-once.mjs')], { env });

    const restart = await decision(supervisor, { action: 'restart_service' });
    const [first, second] = supervisor.childPids();
    expect(restart).toMatchObject({ failureClass: 'startup_timeout', severity: 'critical', result: 'succeeded', childPid: first, generation: 1 });
    expect(String(restart['reason'])).toContain(`port 127.0.0.1:${port} or [::1]:${port} is not accepting connections`);
    // Never ready means no agent to ask: the stop signal goes to the group.
    expect(supervisor.events('child_stopping')).toMatchObject([{ childPid: first, how: 'signal', reason: 'recovery' }]);
    expect((await pingUntilAnswered(port)).pid).toBe(second);
    await expectAllGone([first!]);
    await stopCleanly(supervisor);
  });
});
