import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { continueAll, expectAllGone } from '../helpers/processes.js';
import { demoServerPath, destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';

// The supervisor watching real children from the outside, as its log tells it (docs/design.md §3, §8).

const clients: Socket[] = [];
const stopped: number[] = [];
let tempDir: string | undefined;

afterEach(async () => {
  continueAll(stopped);
  for (const client of clients.splice(0)) client.disconnect();
  await destroyAllSupervisors();
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

/** Fast rounds and short probes, so that a test sees several rounds in a second or two. */
// A probe never outlasts the interval, so the two are equal: as short as a loaded machine allows.
const QUICK = { MPM_HEALTH_CHECK_INTERVAL_MS: '400', MPM_HEALTH_PROBE_TIMEOUT_MS: '400', MPM_HEALTH_FAILURE_THRESHOLD: '2' };
/** For tests of what monitoring sees in a failing child: recovery would replace the child under them. */
const WATCH_ONLY = { MPM_RECOVERY_ENABLED: 'false' };

const causeNamed = (record: LogRecord, name: string): Record<string, unknown> | undefined => (record['causes'] as Array<Record<string, unknown>>).find((cause) => cause['name'] === name);

function healthChange(to: string, from = 0) {
  return (supervisor: SupervisorProcess) => supervisor.waitForRecord((record) => record['event'] === 'health_changed' && record['to'] === to, { from, what: `health to turn ${to}` });
}

describe('mpm-supervise watches the health of its child', () => {
  it('logs the child healthy, then critical with the reasons when its event loop blocks', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath], { env: { ...QUICK, ...WATCH_ONLY, DEMO_BLOCK_AFTER_MS: '4000' } });
    const ready = await supervisor.waitForEvent('agent_ready');
    expect(ready).toMatchObject({ level: 'info', port: expect.any(Number), address: '127.0.0.1' });

    const blocking = await supervisor.waitForRecord((record) => record.source === 'child' && record.message === 'demo-server blocking the event loop', {
      what: 'the block line',
    });
    const critical = await healthChange('critical', supervisor.records.indexOf(blocking))(supervisor);

    expect(critical).toMatchObject({ level: 'error', readiness: 'ready', generation: 1 });
    expect(critical.message).toMatch(/^health (healthy|warning) → critical: /);
    expect(causeNamed(critical, 'socketioLatencyMs')).toMatchObject({ status: 'critical', breaches: 2 });
    expect(causeNamed(critical, 'socketioLatencyMs')?.['message']).toMatch(/is not answering: no (answer to a Socket.IO ping|Socket.IO handshake) within 400 ms/);
    expect(causeNamed(critical, 'ipcLatencyMs')).toMatchObject({ status: 'critical', message: 'the agent did not answer an IPC ping within 400 ms' });
    // The kernel still accepts TCP connections for a blocked process: the port is not the cause
    // (a loaded machine may read a connect slow, a warning, never critical).
    expect(causeNamed(critical, 'tcpLatencyMs')?.['status']).not.toBe('critical');
    // It was healthy before the block, and said so once.
    const healthy = supervisor.events('health_changed').filter((record) => record['to'] === 'healthy');
    expect(healthy).toHaveLength(1);
    expect(supervisor.records.indexOf(healthy[0]!)).toBeLessThan(supervisor.records.indexOf(blocking));
  });

  it('sees a stopped (SIGSTOP) child as critical, and healthy again once it continues', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath], { env: { ...QUICK, ...WATCH_ONLY, MPM_HEALTH_FAILURE_THRESHOLD: '1' } });
    const healthy = await healthChange('healthy')(supervisor);
    const pid = Number(healthy['childPid']);

    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const critical = await healthChange('critical', supervisor.records.indexOf(healthy))(supervisor);
    expect(causeNamed(critical, 'processState')).toMatchObject({ value: 'T', status: 'critical', message: `process ${pid} is T (stopped)` });

    process.kill(pid, 'SIGCONT');
    // The same child, continued: nothing replaced it.
    expect(await healthChange('healthy', supervisor.records.indexOf(critical))(supervisor)).toMatchObject({ childPid: pid, generation: 1 });
    expect(supervisor.events('child_spawned')).toHaveLength(1);
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it("reports the agent's client count without its own probe connection, at debug level every round", async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--log-level', 'debug', '--', 'node', demoServerPath], { env: QUICK });
    const { port } = await supervisor.waitForListening();
    await healthChange('healthy')(supervisor);
    for (let i = 0; i < 3; i += 1) {
      const client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      clients.push(client);
      await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('connect_error', reject));
    }
    const from = supervisor.records.length;
    const round = await supervisor.waitForRecord((record) => record['event'] === 'health_check' && (record['metrics'] as Record<string, unknown>)['clients'] === 3, {
      from,
      what: 'a round that counts 3 clients',
    });
    // A loaded machine may read a slow probe as a warning for a round; the count is what is judged here.
    expect(round).toMatchObject({ level: 'debug', status: expect.stringMatching(/^(healthy|warning)$/), readiness: 'ready' });
    expect(Object.keys(round['checks'] as object).sort()).toEqual(['network', 'process', 'service', 'socketio']);
    // Every later round counts the same three: the probe's kept connection is not a client.
    const later = await supervisor.waitForRecord((record) => record['event'] === 'health_check', { from: supervisor.records.indexOf(round) + 1 });
    expect((later['metrics'] as Record<string, unknown>)['clients']).toBe(3);
  });

  it('follows a restart: the new child gets its own start and its own health', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath], { env: QUICK });
    const first = await healthChange('healthy')(supervisor);
    process.kill(Number(first['childPid']), 'SIGKILL');
    const respawned = await supervisor.waitForEvent('child_spawned', { from: supervisor.records.indexOf(first) });
    const second = await healthChange('healthy', supervisor.records.indexOf(respawned))(supervisor);
    expect(second).toMatchObject({ generation: 2, childPid: respawned['childPid'] });
    // Its health starts over from starting (a loaded machine may show a warning on the way to healthy).
    const secondsFirst = supervisor.events('health_changed').find((record) => record['generation'] === 2);
    expect(secondsFirst).toMatchObject({ from: 'starting', childPid: respawned['childPid'] });
    // Nothing about the killed child was reported after it was gone.
    const between = supervisor.events('health_changed').filter((record) => record['generation'] === 1 && supervisor.records.indexOf(record) > supervisor.records.indexOf(first));
    expect(between).toEqual([]);
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    await expectAllGone(supervisor.childPids());
  });

  it('says once that it has no port to probe when the child has neither --port nor the agent', async () => {
    const supervisor = new SupervisorProcess(['--', '/bin/sleep', '30'], { env: QUICK });
    const note = await supervisor.waitForEvent('health_no_port');
    expect(note).toMatchObject({ level: 'warn' });
    expect(note.message).toContain('set --port or health.probeUrl');
    await healthChange('healthy')(supervisor);
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    expect(supervisor.events('health_no_port')).toHaveLength(1);
  });

  it('warns once per kind of malformed IPC message, ignores foreign ones, and keeps going', async () => {
    const supervisor = new SupervisorProcess(['--', 'node', fixturePath('bad-ipc.mjs')], { env: QUICK });
    await supervisor.waitForRecord((record) => record.source === 'child' && record.message.startsWith('sent bad messages'), { what: 'the fixture line' });
    await supervisor.waitForRecord(() => supervisor.events('ipc_message_invalid').length >= 2, { what: 'two warnings' });
    await healthChange('healthy')(supervisor);
    const warnings = supervisor.events('ipc_message_invalid');
    expect(warnings.map((record) => [record['type'], record['reason']]).sort()).toEqual([
      ['mpm:pong', 'id: expected a whole number'],
      ['mpm:ready', 'port: expected a port number or null'],
    ]);
    expect(warnings[0]).toMatchObject({ level: 'warn' });
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
  });

  it('leaves no server behind when the supervisor is SIGKILLed: the agent closes it', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', demoServerPath], { env: QUICK });
    const healthy = await healthChange('healthy')(supervisor);
    const pid = Number(healthy['childPid']);

    supervisor.signal('SIGKILL');
    await supervisor.waitForExit();

    // No one signals the child: it exits because its IPC channel closed.
    await expectAllGone([pid]);
  });

  it('applies a new check interval on SIGHUP without touching the child', async () => {
    tempDir = mkdtempSync(join(tmpdir(), 'mpm-health-'));
    const file = join(tempDir, 'config.json');
    writeFileSync(file, JSON.stringify({ health: { checkIntervalMs: '1h' } }));
    const supervisor = new SupervisorProcess(['--config', file, '--port', '0', '--log-level', 'debug', '--', 'node', demoServerPath]);
    await healthChange('healthy')(supervisor);
    const roundsBefore = supervisor.events('health_check').length;

    writeFileSync(file, JSON.stringify({ health: { checkIntervalMs: 100 } }));
    supervisor.signal('SIGHUP');
    const reloaded = await supervisor.waitForEvent('config_reloaded');
    expect(reloaded.message).toContain('health.checkIntervalMs 1h → 100ms');
    const from = supervisor.records.indexOf(reloaded);
    await supervisor.waitForRecord(() => supervisor.events('health_check').filter((record) => supervisor.records.indexOf(record) > from).length >= 5, {
      what: 'five rounds at the new interval',
    });
    expect(roundsBefore).toBeLessThanOrEqual(2);
    expect(supervisor.events('child_spawned')).toHaveLength(1);
  });
});
