import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { getJson } from '../helpers/http.js';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';

// What a child writes on its IPC channel cannot grow the supervisor's memory without bound,
// crash it, or flood its log (docs/design.md §7; docs/security.md).

afterEach(async () => {
  await destroyAllSupervisors();
});

const abuser = fixturePath('demo-ipc-abuse.mjs');
const QUICK = { MPM_HEALTH_CHECK_INTERVAL_MS: '400', MPM_HEALTH_PROBE_TIMEOUT_MS: '400' };

/** Resident memory of a process in MiB, from /proc. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) / 1024;
}

describe('the IPC channel of a child that abuses it', () => {
  it('stops reading a channel flooded with raw bytes past 1 MiB, logs it once, and goes on watching the child from outside', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', abuser], { env: { ...QUICK, IPC_ABUSE: 'raw', FLOOD_MIB: '256' } });
    const closed = await supervisor.waitForEvent('ipc_channel_closed', { timeoutMs: 30_000 });
    expect(closed).toMatchObject({ level: 'warn', reason: 'message_too_large', limitBytes: 1024 * 1024 });
    expect(closed['bytes']).toBeGreaterThan(1024 * 1024);
    expect(closed.message).toMatch(/^stopped reading the IPC channel of child \d+: more than 1 MiB arrived without a message end/);

    // The grandchild gives up once its writes block: the supervisor holds no more than its limit.
    const flood = await supervisor.waitForRecord((record) => record.source === 'child' && /^flood (blocked|ended|stopped)/.test(record.message), {
      timeoutMs: 30_000,
      what: 'the flood to end',
    });
    expect(flood.message).toMatch(/^flood blocked after \d+ MiB$/);
    expect(rssMiB(supervisor.pid)).toBeLessThan(200);

    // The same child, still served and still judged healthy by the checks from outside.
    const url = await supervisor.statusUrl();
    const health = await getJson<{ status: string; child: { pid: number } }>(`${url}/health`);
    expect(health.status).toBe(200);
    expect(supervisor.events('child_spawned')).toHaveLength(1);
    expect(supervisor.events('ipc_channel_closed')).toHaveLength(1);
    const childPid = supervisor.childPids()[0]!;
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    await expectAllGone([childPid]);
  });

  it('warns once about lines that are not JSON and keeps running', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', abuser], { env: { ...QUICK, IPC_ABUSE: 'garbage' } });
    await supervisor.waitForRecord((record) => record.source === 'child' && record.message === 'wrote 3 lines that are not JSON', { what: 'the garbage' });
    const invalid = await supervisor.waitForEvent('ipc_message_invalid');
    expect(invalid).toMatchObject({ level: 'warn', type: '(not JSON)', reason: 'not JSON' });
    expect(invalid.message).toBe('ignored a line on the IPC channel that is not JSON: "this is not json" (further ones are not logged)');
    // Still watching, and the agent still answers on the same channel.
    await supervisor.waitForRecord((record) => record['event'] === 'health_changed' && record['to'] === 'healthy', { what: 'the child healthy' });
    expect(supervisor.process.exitCode).toBeNull();
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
    expect(supervisor.events('ipc_message_invalid')).toHaveLength(1);
    expect(supervisor.records.filter((record) => record.level === 'error')).toEqual([]);
  });

  it('logs 8 of 20,000 distinct invalid mpm: types and counts the rest in one line', async () => {
    const supervisor = new SupervisorProcess(['--port', '0', '--', 'node', abuser], { env: { ...QUICK, IPC_ABUSE: 'types', TYPES: '20000' } });
    // The marker the fixture sends after the 20,000: all of them have been read.
    await supervisor.waitForRecord((record) => record['event'] === 'agent_ready' && record['address'] === 'after-flood', { timeoutMs: 30_000, what: 'the marker' });
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });

    const invalid = supervisor.events('ipc_message_invalid');
    expect(invalid.map((record) => record['type'])).toEqual(['mpm:t0', 'mpm:t1', 'mpm:t2', 'mpm:t3', 'mpm:t4', 'mpm:t5', 'mpm:t6', 'mpm:t7']);
    const suppressed = supervisor.events('ipc_messages_suppressed');
    expect(suppressed.reduce((sum, record) => sum + Number(record['count']), 0)).toBe(19_992);
    expect(suppressed.at(-1)!.message).toMatch(/^suppressed \d+ invalid IPC messages of types not seen before from the child/);
    // A few lines, not 20,000.
    expect(supervisor.records.length).toBeLessThan(100);
  });
});
