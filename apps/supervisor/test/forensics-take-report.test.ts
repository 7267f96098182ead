import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { HangReport } from '@mpm/recovery';
import { INSPECT_PORT_OPTION } from '../src/forensics/node-options.js';
import { listeningSockets, socketInodes } from '../src/forensics/proc-sockets.js';
import { readProcState } from '../src/forensics/proc-state.js';
import { takeHangReport } from '../src/forensics/take-report.js';
import { expectAllGone, killQuietly } from '../../../test/helpers/processes.js';
import { fixturePath } from '../../../test/helpers/supervisor.js';
import { waitUntil } from '../../../test/helpers/wait.js';

// Hang reports taken from real processes that hang in real ways (test/fixtures/hangs.mjs),
// each bounded by its timeout whatever the process does. The supervisor kills the child
// after the report; here the test does.

const children: ChildProcess[] = [];

afterEach(async () => {
  const pids = children.splice(0).map((child) => child.pid!);
  for (const pid of pids) killQuietly(pid, true);
  await expectAllGone(pids);
});

/** `command` in a group of its own, as the supervisor spawns it; resolves once it printed "hanging". */
async function hung(command: string, args: readonly string[]): Promise<number> {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NODE_OPTIONS: INSPECT_PORT_OPTION } });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await waitUntil(() => out.includes('hanging'), { timeoutMs: 15_000, what: `${args.join(' ')} to hang` });
  return child.pid!;
}

const node = (mode: string): Promise<number> => hung(process.execPath, [fixturePath('hangs.mjs'), mode]);

/** Once `pid` sleeps in the kernel: it says "hanging" a moment before it gets there. */
async function asleep(pid: number): Promise<number> {
  await waitUntil(() => readProcState(pid)?.state.startsWith('S') === true, { timeoutMs: 15_000, what: `process ${pid} to sleep` });
  return pid;
}

/** The report, and how long it took by the test's own clock. */
async function report(pid: number, timeoutMs: number): Promise<{ report: HangReport; elapsedMs: number }> {
  const started = Date.now();
  const taken = await takeHangReport(pid, { timeoutMs });
  return { report: taken, elapsedMs: Date.now() - started };
}

// Far above what any step takes here (a stack comes in 80 to 160 ms), so that a loaded
// machine cannot fail the test; the bound itself is what the short timeouts test.
const ROOMY_MS = 5000;
// A bound is a timer: on a loaded machine it fires late, never early.
const LATE_MS = 1000;

describe('takeHangReport', () => {
  it("gives a spinning Node process's stack, innermost frame first, with file and 1-based line", async () => {
    const pid = await node('spin');
    const { report: taken } = await report(pid, ROOMY_MS);
    expect(taken).toMatchObject({ kind: 'stack' });
    if (taken.kind !== 'stack') return;
    expect(taken.frames[0]).toEqual({ functionName: 'spinHere', url: expect.stringMatching(/^file:\/\/\/.*\/test\/fixtures\/hangs\.mjs$/), line: 13, column: 3 });
    expect(taken.frames.length).toBeLessThanOrEqual(8);
    expect(taken.depth).toBeGreaterThanOrEqual(taken.frames.length);
    expect(taken.tookMs).toBeLessThan(ROOMY_MS);
  });

  it('falls back to /proc for a Node process blocked in native code, once timeoutMs is over', async () => {
    const pid = await asleep(await node('native'));
    const { report: taken, elapsedMs } = await report(pid, 300);
    expect(taken).toMatchObject({
      kind: 'proc',
      // The SIGUSR1 the report sends interrupts its wait: on a busy machine the kernel may
      // still show it runnable when /proc is read (the python case below never is signalled).
      state: expect.stringMatching(/^(S \(sleeping\)|R \(running\))$/),
      why: expect.stringMatching(/^no JavaScript stack: the inspector did not answer within 300 ms \(waiting for the inspector port; a loop blocked in native code cannot start it/),
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(295);
    expect(elapsedMs).toBeLessThan(300 + LATE_MS);
  });

  it('reads /proc for a process that is not Node, and never signals it', async () => {
    const pid = await asleep(await hung('python3', ['-c', 'import sys, time; print("hanging", flush=True); time.sleep(600)']));
    const { report: taken } = await report(pid, ROOMY_MS);
    expect(taken).toMatchObject({ kind: 'proc', state: 'S (sleeping)', why: expect.stringMatching(/^not a Node process \(\/.*python3[.\d]*\)$/) });
    if (taken.kind !== 'proc') return;
    // Where the kernel lets the parent read them (not every container does).
    if (taken.syscall !== null) expect(taken.syscall).toMatch(/^(clock_nanosleep|nanosleep|select|pselect6) \(\d+\)$/);
    // SIGUSR1 would have killed it.
    expect(() => process.kill(pid, 0)).not.toThrow();
  });

  it('says why when the inspector never opens a port, within the bound', async () => {
    const pid = await node('silent-inspector');
    const { report: taken, elapsedMs } = await report(pid, 200);
    expect(taken).toMatchObject({ kind: 'proc', why: expect.stringContaining('the inspector did not answer within 200 ms (waiting for the inspector port') });
    expect(elapsedMs).toBeLessThan(200 + LATE_MS);
  });

  it('says why when the inspector answers garbage, and does not wait for the bound', async () => {
    const pid = await node('garbage-inspector');
    const { report: taken, elapsedMs } = await report(pid, ROOMY_MS);
    expect(taken).toMatchObject({ kind: 'proc', why: 'no JavaScript stack: the inspector answered /json/list with something that is not JSON' });
    expect(elapsedMs).toBeLessThan(ROOMY_MS);
  });

  it('says where it got to when the inspector accepts and never answers', async () => {
    const pid = await node('mute-inspector');
    const { report: taken, elapsedMs } = await report(pid, 300);
    expect(taken).toMatchObject({ kind: 'proc', why: 'no JavaScript stack: the inspector did not answer within 300 ms (asking for the target)' });
    expect(elapsedMs).toBeLessThan(300 + LATE_MS);
  });

  it('leaves no connection of its own to the inspector behind', async () => {
    const pid = await node('mute-inspector');
    await report(pid, 200);
    // The mute port is the child's; what matters is that the supervisor's side is closed: no socket of this process points at it.
    const inspector = listeningSockets(pid).map((socket) => socket.port);
    expect(inspector).toHaveLength(1);
    await waitUntil(() => !tcpConnectionsTo(inspector[0]!), { timeoutMs: 5000, what: 'the connection to the mute inspector to close' });
  });

  it('reports a process that is gone as unavailable, and never throws', async () => {
    await expect(takeHangReport(2 ** 22 + 1, { timeoutMs: 200 })).resolves.toMatchObject({ kind: 'unavailable', reason: `process ${2 ** 22 + 1} is gone` });
  });

  it('resolves by the deadline even when a step ignores the abort', async () => {
    const pid = await node('silent-inspector');
    const started = Date.now();
    const taken = await takeHangReport(pid, { timeoutMs: 150, stack: () => new Promise(() => undefined) });
    expect(taken).toMatchObject({ kind: 'proc', why: expect.stringContaining('did not answer within 150 ms') });
    expect(Date.now() - started).toBeLessThan(150 + LATE_MS);
  });
});

/** True while this process holds a TCP connection to `port` on loopback (its /proc/net/tcp, its own inodes). */
function tcpConnectionsTo(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const text = readFileSync(`/proc/${process.pid}/net/tcp`, 'utf8');
  const mine = socketInodes(process.pid);
  return text.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[2]?.endsWith(hex) === true && fields[3] === '01' && mine.has(fields[9] ?? '');
  });
}
