import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { listeningSockets, socketInodes } from '../../apps/supervisor/src/forensics/proc-sockets.js';
import { runCli } from '../helpers/cli-run.js';
import { getJson } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { expectAllGone } from '../helpers/processes.js';
import { at, childLine, merge, timeOf, type Json } from '../helpers/records.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';

// Hang reports (docs/design.md §12): before a hung child is killed, the supervisor takes its
// JavaScript stack through the inspector (a Node child) or what /proc says (any other, or
// when the inspector cannot answer), never delaying the kill by more than
// recovery.forensics.timeoutMs. Real children, hung for real; the one-file build, which
// starts fastest.

/** Quick rounds, as recovery.test.ts has them: a check every 450 ms, critical after 2. */
const QUICK: Json = {
  child: { killTimeoutMs: '1s', restartDelayMs: 100 },
  health: { checkIntervalMs: 450, probeTimeoutMs: 450, failureThreshold: 2 },
  recovery: { minActionIntervalMs: 800, verifyTimeoutMs: '3s', failureWindowMs: '1m' },
  http: { port: 0 },
};
// Bounds waits on a slow machine; it is not how long anything takes.
const DEADLINE_MS = 20_000;
// The bound is a timer, and a loaded machine runs timers late (never early): this much on top.
const LATE_MS = 1000;
// The demo server's compiled file, as V8 runs it, and the line of blockForever's loop.
const TIMED_FAULTS = fixturePath('../../apps/demo-server/dist/timed-faults.js');
const BLOCK_LINE =
  readFileSync(TIMED_FAULTS, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('for (;;)')) + 1;

const tempDirs: string[] = [];
afterEach(async () => {
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A supervisor over `command` with QUICK and `over` as its config file. */
function supervise(
  command: readonly string[],
  { over = {}, env = {}, args = [] }: { over?: Json; env?: NodeJS.ProcessEnv; args?: readonly string[] } = {},
): { supervisor: SupervisorProcess; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-hang-'));
  tempDirs.push(dir);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(merge(QUICK, over)));
  return { supervisor: new SupervisorProcess(['--config', config, ...args, '--', ...command], { env }), dir };
}

/** The demo server, with these switches on its first start only (later starts run clean). */
function superviseDemoFaultyOnce(switches: Record<string, string>, over: Json = {}): { supervisor: SupervisorProcess; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-hang-starts-'));
  tempDirs.push(dir);
  const env = { START_COUNT_FILE: join(dir, 'starts'), FAULTS_ONCE: JSON.stringify(switches) };
  return supervise(['node', fixturePath('demo-faulty-once.mjs')], { over, env, args: ['--port', '0'] });
}

const first = (supervisor: SupervisorProcess, event: string, from = 0): Promise<LogRecord> => supervisor.waitForEvent(event, { timeoutMs: DEADLINE_MS, from });

/** The decision to kill, and the SIGKILL that followed it. */
async function killOf(supervisor: SupervisorProcess, from: number): Promise<{ decided: LogRecord; killed: LogRecord; gapMs: number }> {
  const decided = await supervisor.waitForRecord((record) => record['event'] === 'recovery_started' && record['action'] === 'emergency_stop', {
    timeoutMs: DEADLINE_MS,
    from,
    what: 'the decision to kill the hung child',
  });
  const killed = await first(supervisor, 'child_stopping', at(supervisor, decided));
  expect(decided).toMatchObject({ failureClass: 'hung' });
  expect(killed).toMatchObject({ childPid: decided['childPid'], how: 'kill', signal: 'SIGKILL' });
  return { decided, killed, gapMs: timeOf(killed) - timeOf(decided) };
}

/** The NODE_OPTIONS a process was started with. */
function nodeOptionsOf(pid: number): string | undefined {
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return environ.find((entry) => entry.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length);
}

describe('a hang report before the kill', () => {
  it("names the Node child's blocking function and its file:line, within timeoutMs of the decision; /events, status and the timeline keep it; no inspector port stays open", async () => {
    const { supervisor } = superviseDemoFaultyOnce({ DEMO_BLOCK_AFTER_MS: '600' });
    const blocked = await childLine(supervisor, /^demo-server blocking the event loop$/);
    const hungPid = Number(blocked['pid']);
    expect(nodeOptionsOf(hungPid)).toBe('--inspect-port=127.0.0.1:0');
    const { decided, killed, gapMs } = await killOf(supervisor, at(supervisor, blocked));

    const report = await first(supervisor, 'hang_report', at(supervisor, decided));
    expect(at(supervisor, report)).toBeLessThan(at(supervisor, killed));
    const where = `file://${TIMED_FAULTS}:${BLOCK_LINE}:5`;
    expect(report).toMatchObject({ level: 'warn', kind: 'stack', childPid: hungPid, generation: 1 });
    expect(report.message).toMatch(new RegExp(`^hang report for child ${hungPid}: blocked in blockForever \\(${escape(where)}\\) ← <anonymous> \\(file://`));
    expect((report['frames'] as Json[])[0]).toEqual({ functionName: 'blockForever', url: `file://${TIMED_FAULTS}`, line: BLOCK_LINE, column: 5 });
    // The kill waited for the report, and never longer than recovery.forensics.timeoutMs (1 s).
    expect(Number(report['tookMs'])).toBeLessThanOrEqual(1000 + LATE_MS);
    expect(gapMs).toBeLessThanOrEqual(1000 + LATE_MS);

    const verdict = await supervisor.waitForRecord((record) => record['event'] === 'recovery' && record['id'] === decided['id'], { timeoutMs: DEADLINE_MS, what: 'the verdict' });
    expect(verdict).toMatchObject({ result: 'succeeded' });
    const url = await supervisor.statusUrl();
    const { body } = await getJson<{ events: Json[] }>(`${url}/events`);
    const kept = body.events.find((event) => event['id'] === decided['id'])?.['hangReport'] as Json | undefined;
    expect(kept).toMatchObject({ kind: 'stack', frames: report['frames'], depth: report['depth'], tookMs: report['tookMs'] });
    const { body: history } = await getJson<{ timeline: Json[] }>(`${url}/history`);
    expect(history.timeline).toContainEqual(expect.objectContaining({ kind: 'hang_report', title: `hang report for child ${hungPid}: blocked in blockForever (${where})` }));
    const status = await runCli(['status', '--name', 'demo-faulty-once', '--state-dir', supervisor.stateDir!]);
    expect(status.stdout).toMatch(new RegExp(`^ +hang report +blocked in blockForever \\(${escape(where)}\\)$`, 'm'));

    // The inspector died with its child; the new child listens on its server port only.
    await expectAllGone([hungPid]);
    const second = await supervisor.waitForListening({ from: at(supervisor, killed) });
    expect(listeningSockets(second.pid).map((socket) => socket.port)).toEqual([second.port]);
    // Node said where its inspector listened; that port is closed, and the supervisor holds no connection to it.
    const opened = supervisor.childLines('stderr').find((line) => line.message.startsWith('Debugger listening on'));
    expect(opened?.message).toMatch(/^Debugger listening on ws:\/\/127\.0\.0\.1:\d+\/<id hidden>$/);
    const inspectorPort = Number(/:(\d+)\//.exec(opened!.message)![1]);
    expect(tcpSocketsOn(supervisor.pid, inspectorPort)).toEqual([]);
    // The inspector's id (its key) is in no log line.
    expect(supervisor.stdout).not.toMatch(/ws:\/\/[^\s"]+\/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('falls back to /proc when the Node child is blocked in a system call, and kills it once timeoutMs is over', async () => {
    const { supervisor } = superviseDemoFaultyOnce({ FIXTURE_SLEEP_AFTER_MS: '600' }, { recovery: { forensics: { timeoutMs: '300ms' } } });
    const blocked = await childLine(supervisor, /^blocking the event loop in a system call$/);
    const { decided, gapMs } = await killOf(supervisor, at(supervisor, blocked));
    const report = await first(supervisor, 'hang_report', at(supervisor, decided));
    expect(report).toMatchObject({
      kind: 'proc',
      proc: { state: 'S (sleeping)' },
      why: expect.stringMatching(/^no JavaScript stack: the inspector did not answer within 300 ms \(waiting for the inspector port; a loop blocked in native code cannot start it/),
    });
    expect(gapMs).toBeGreaterThanOrEqual(290);
    expect(gapMs).toBeLessThanOrEqual(300 + LATE_MS);
  });

  it('reads /proc for a child that is not Node, and never signals it but to kill it', async () => {
    const port = await freePort();
    const { supervisor } = supervise(['/usr/bin/python3', fixturePath('servers/python-socketio.py')], { env: { BLOCK_AFTER_MS: '1200' }, args: ['--port', String(port)] });
    const blocked = await childLine(supervisor, /^blocking$/);
    const { decided, gapMs } = await killOf(supervisor, at(supervisor, blocked));
    const report = await first(supervisor, 'hang_report', at(supervisor, decided));
    expect(report).toMatchObject({ kind: 'proc', proc: { state: 'S (sleeping)' }, why: expect.stringMatching(/^not a Node process \(\/usr\/bin\/python3[.\d]*\)$/) });
    expect(report.message).toMatch(/^hang report for child \d+: not a Node process \(.*\); \/proc: S \(sleeping\), /);
    expect(Number(report['tookMs'])).toBeLessThan(1000);
    expect(gapMs).toBeLessThanOrEqual(1000 + LATE_MS);
    // Killed by the supervisor's SIGKILL, not by a SIGUSR1 it could not handle.
    expect(await first(supervisor, 'child_exited', at(supervisor, decided))).toMatchObject({ signal: 'SIGKILL', expected: true });
  });

  it('takes none with recovery.forensics.enabled false: no inspector option, the kill at once', async () => {
    const { supervisor } = superviseDemoFaultyOnce({ DEMO_BLOCK_AFTER_MS: '600' }, { recovery: { forensics: { enabled: false } } });
    const blocked = await childLine(supervisor, /^demo-server blocking the event loop$/);
    expect(nodeOptionsOf(Number(blocked['pid']))).toBeUndefined();
    const { decided, killed, gapMs } = await killOf(supervisor, at(supervisor, blocked));
    expect(gapMs).toBeLessThanOrEqual(LATE_MS);
    expect(supervisor.records.slice(at(supervisor, decided), at(supervisor, killed)).filter((record) => record['event'] === 'hang_report' || record['stream'] === 'stderr')).toEqual([]);
    await first(supervisor, 'child_exited', at(supervisor, killed));
    expect(supervisor.events('hang_report')).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The TCP sockets of process `pid` whose far end is `port` (its own inodes in its /proc/net/tcp). */
function tcpSocketsOn(pid: number, port: number): string[] {
  const mine = socketInodes(pid);
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[2]?.endsWith(hex) === true && mine.has(fields[9] ?? '');
    });
}
