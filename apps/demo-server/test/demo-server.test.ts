import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { waitUntil } from '../../../test/helpers/wait.js';
import {
  DEFAULT_LEAK_MB_PER_SEC,
  DemoConfigError,
  FAIL_EVENT,
  FAULT_EVENT,
  parseFaultRequest,
  parseFaults,
  parseListenOptions,
  startDemoServer,
  type FaultAck,
  type FaultActions,
  type PingReply,
} from '../src/index.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// Generous: these bound waits on a slow machine, they are not how long things take.
const DEADLINE_MS = 10_000;

/** Resolves with the promise, or rejects naming `what` once the deadline passes. */
function within<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function configError(run: () => unknown): DemoConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof DemoConfigError) return error;
    throw error;
  }
  throw new Error('expected a DemoConfigError');
}

describe('parseFaults', () => {
  it('gives frozen defaults when nothing is set', () => {
    const faults = parseFaults([], {});
    expect(faults).toMatchObject({ crashAfterMs: undefined, leakMbPerSec: 0, spawnGrandchild: 'off', tickMs: 10_000 });
    expect(Object.isFrozen(faults)).toBe(true);
  });

  it('reads variables, and a flag wins over its variable', () => {
    const env = { DEMO_CRASH_AFTER_MS: '500', DEMO_TICK_MS: '250', DEMO_IGNORE_SIGTERM: '1', DEMO_LEAK_MB_PER_SEC: '0.5' };
    const faults = parseFaults(['--tick', '1000', '--print-lines=7', '--no-listen', '--spawn-grandchild', 'stubborn'], env);
    expect(faults).toMatchObject({
      crashAfterMs: 500,
      tickMs: 1000,
      ignoreSigterm: true,
      leakMbPerSec: 0.5,
      printLines: 7,
      noListen: true,
      spawnGrandchild: 'stubborn',
    });
  });

  it('takes --spawn-grandchild without a value when another flag follows', () => {
    expect(parseFaults(['--spawn-grandchild', '--exit-at-start', '0'], {})).toMatchObject({
      spawnGrandchild: 'plain',
      exitAtStart: 0,
    });
  });

  it('reads the busy switch as a whole percentage from 1 to 95, off by default', () => {
    expect(parseFaults([], {}).busyPercent).toBe(0);
    expect(parseFaults([], { DEMO_BUSY_PERCENT: '60' }).busyPercent).toBe(60);
    expect(parseFaults(['--busy-percent', '95'], { DEMO_BUSY_PERCENT: '1' }).busyPercent).toBe(95);
    expect(configError(() => parseFaults([], { DEMO_BUSY_PERCENT: '0' })).message).toBe('invalid DEMO_BUSY_PERCENT value "0": expected a whole percentage of CPU time (1 to 95)');
    expect(configError(() => parseFaults(['--busy-percent=96'], {})).setting).toBe('--busy-percent');
    expect(configError(() => parseFaults(['--busy-percent', '50.5'], {})).setting).toBe('--busy-percent');
  });

  it('reads the fault-events switch (off by default) and the count interval (none by default)', () => {
    expect(parseFaults([], {})).toMatchObject({ faultEvents: false, countEveryMs: undefined });
    expect(parseFaults([], { DEMO_FAULT_EVENTS: '1', DEMO_COUNT_EVERY_MS: '10' })).toMatchObject({ faultEvents: true, countEveryMs: 10 });
    expect(parseFaults(['--fault-events', '--count-every', '5'], { DEMO_FAULT_EVENTS: '0' })).toMatchObject({ faultEvents: true, countEveryMs: 5 });
    expect(configError(() => parseFaults([], { DEMO_FAULT_EVENTS: 'maybe' })).message).toBe('invalid DEMO_FAULT_EVENTS value "maybe": expected 1 or 0 (or true/false)');
    expect(configError(() => parseFaults(['--count-every', '0'], {})).setting).toBe('--count-every');
  });

  it('names the switch, the value and what was expected', () => {
    const fromEnv = configError(() => parseFaults([], { DEMO_BLOCK_AFTER_MS: 'soon' }));
    expect(fromEnv.message).toBe('invalid DEMO_BLOCK_AFTER_MS value "soon": expected a whole number of milliseconds (0 to 2147483647)');
    expect(configError(() => parseFaults(['--exit-at-start', '300'], {})).setting).toBe('--exit-at-start');
    expect(configError(() => parseFaults(['--tick', '0'], {})).message).toMatch(/--tick value "0"/);
    expect(configError(() => parseFaults(['--crash-after'], {})).message).toMatch(/--crash-after needs a value/);
    expect(configError(() => parseFaults(['--x'], {})).message).toBe('unknown flag --x');
    expect(configError(() => parseListenOptions({ PORT: '70000' })).setting).toBe('PORT');
  });
});

describe('parseFaultRequest', () => {
  it('reads crash, block and leak (50 MiB/s unless told), and says what is wrong with anything else', () => {
    expect(parseFaultRequest({ kind: 'crash' })).toEqual({ kind: 'crash' });
    expect(parseFaultRequest({ kind: 'block', mbPerSec: 9 })).toEqual({ kind: 'block' });
    expect(parseFaultRequest({ kind: 'leak' })).toEqual({ kind: 'leak', mbPerSec: DEFAULT_LEAK_MB_PER_SEC });
    expect(parseFaultRequest({ kind: 'leak', mbPerSec: 0.5 })).toEqual({ kind: 'leak', mbPerSec: 0.5 });
    expect(parseFaultRequest({ kind: 'leak', mbPerSec: 0 })).toBe('invalid mbPerSec 0: expected a number above 0 and at most 1024');
    expect(parseFaultRequest({ kind: 'leak', mbPerSec: '5' })).toMatch(/^invalid mbPerSec "5"/);
    expect(parseFaultRequest({ kind: 'explode' })).toBe(`unknown fault kind "explode": expected 'crash', 'block' or 'leak'`);
    expect(parseFaultRequest(undefined)).toBe(`expected {kind: 'crash' | 'block' | 'leak'}, received nothing`);
    expect(parseFaultRequest('crash')).toMatch(/received "crash"$/);
  });
});

describe('startDemoServer', () => {
  it('answers an acked ping from a real client, then closes cleanly', async () => {
    const server = await startDemoServer({ port: 0, tickMs: 50 });
    const client: Socket = io(`http://127.0.0.1:${server.port}`, { transports: ['websocket'], reconnection: false });
    try {
      await within(
        new Promise<void>((resolve, reject) => {
          client.once('connect', resolve);
          client.once('connect_error', reject);
        }),
        'connect',
      );
      client.emit('ping'); // no ack: must be ignored, not thrown on
      const reply = await within(new Promise<PingReply>((resolve) => client.emit('ping', resolve)), 'ping ack');
      expect(reply).toMatchObject({ pong: true, pid: process.pid });
      expect(typeof reply.time).toBe('number');
      // A fixed answer, for a user-defined socketio check to compare.
      expect(await within(client.timeout(DEADLINE_MS).emitWithAck('status'), 'status ack')).toEqual({ ok: true });
      await within(new Promise((resolve) => client.once('tick', resolve)), 'tick');
      expect(server.stats()).toEqual({ clients: 1, events: 3 });
      expect(server.agent).toBeUndefined();
    } finally {
      client.disconnect();
      await within(server.close(), 'server close');
    }
  });

  it('attaches the agent when asked, and a rejected `fail` event is a real server error', async () => {
    // A stand-in IPC channel: the jest worker's own must not be used.
    const channel = Object.assign(new EventEmitter(), {
      connected: true,
      sent: [] as unknown[],
      send(message: unknown): void {
        channel.sent.push(message);
      },
    });
    const lines: string[] = [];
    const server = await startDemoServer({ port: 0, log: (line) => lines.push(line), agent: { channel } });
    const client: Socket = io(`http://127.0.0.1:${server.port}`, { transports: ['websocket'], reconnection: false });
    try {
      expect(server.agent?.active).toBe(true);
      expect(channel.sent).toEqual([{ type: 'mpm:ready', port: server.port, address: '127.0.0.1' }]);
      await within(new Promise<void>((resolve) => client.once('connect', resolve)), 'connect');
      client.emit(FAIL_EVENT);
      await waitUntil(() => lines.some((line) => line.endsWith('error: rejected a fail event')), { timeoutMs: DEADLINE_MS, what: 'the rejection line' });
      expect(server.agent?.stats()).toMatchObject({ clients: 1, eventsTotal: 1, errorsTotal: 1 });
      expect(server.stats()).toEqual({ clients: 1, events: 1 });
    } finally {
      client.disconnect();
      server.agent?.detach();
      await within(server.close(), 'server close');
    }
  });
});

describe('demo:fault events', () => {
  /** Actions that only write down what they were asked to do. */
  function recordingActions(): { actions: FaultActions; done: string[] } {
    const done: string[] = [];
    return { done, actions: { crash: () => done.push('crash'), block: () => done.push('block'), leak: (mbPerSec) => done.push(`leak ${mbPerSec}`) } };
  }

  async function connected(port: number): Promise<Socket> {
    const client: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    await within(
      new Promise<void>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      }),
      'connect',
    );
    return client;
  }

  const ask = (client: Socket, request: unknown): Promise<FaultAck> => within(client.timeout(DEADLINE_MS).emitWithAck(FAULT_EVENT, request) as Promise<FaultAck>, 'fault ack');

  it('acks an accepted fault with the pid, then acts; a bad request is refused in the ack and nothing happens', async () => {
    const { actions, done } = recordingActions();
    const server = await startDemoServer({ port: 0, faultActions: actions });
    const client = await connected(server.port);
    try {
      expect(await ask(client, { kind: 'leak', mbPerSec: 7 })).toEqual({ accepted: true, kind: 'leak', pid: process.pid });
      await waitUntil(() => done.length === 1, { timeoutMs: DEADLINE_MS, what: 'the leak action' });
      expect(await ask(client, { kind: 'crash' })).toMatchObject({ accepted: true, kind: 'crash' });
      expect(await ask(client, { kind: 'melt' })).toEqual({ accepted: false, reason: `unknown fault kind "melt": expected 'crash', 'block' or 'leak'` });
      await waitUntil(() => done.length === 2, { timeoutMs: DEADLINE_MS, what: 'the crash action' });
      expect(done).toEqual(['leak 7', 'crash']);
    } finally {
      client.disconnect();
      await within(server.close(), 'server close');
    }
  });

  it('refuses every fault when the server was given no actions (the switch is off)', async () => {
    const lines: string[] = [];
    const server = await startDemoServer({ port: 0, log: (line) => lines.push(line) });
    const client = await connected(server.port);
    try {
      expect(await ask(client, { kind: 'crash' })).toEqual({ accepted: false, reason: 'fault events are off (start the server with DEMO_FAULT_EVENTS=1)' });
      expect(lines).toContain('demo-server refused a demo:fault event: fault events are off');
      const reply = await within(client.timeout(DEADLINE_MS).emitWithAck('ping') as Promise<PingReply>, 'ping ack');
      expect(reply.pid).toBe(process.pid);
    } finally {
      client.disconnect();
      await within(server.close(), 'server close');
    }
  });
});

describe('dist/main.js', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    // Nothing may outlive a test, whatever it asserted.
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  function run(env: Record<string, string>): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DEMO_')));
    const child = spawn(process.execPath, [MAIN], { env: { ...clean, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { child, stdout: () => stdout, stderr: () => stderr, exited };
  }

  it('exits with the code of DEMO_EXIT_AT_START before listening', async () => {
    const server = run({ DEMO_EXIT_AT_START: '3' });
    expect(await within(server.exited, 'exit')).toBe(3);
    expect(server.stdout()).toBe('demo-server exiting at start with code 3\n');
  });

  it('exits 2 with one line and no stack for a bad switch', async () => {
    const server = run({ DEMO_CRASH_AFTER_MS: 'soon' });
    expect(await within(server.exited, 'exit')).toBe(2);
    expect(server.stderr()).toBe('demo-server: invalid DEMO_CRASH_AFTER_MS value "soon": expected a whole number of milliseconds (0 to 2147483647)\n');
  });

  /** The port from the listening line. */
  function portOf(server: ReturnType<typeof run>): Promise<string> {
    return within(
      new Promise<string>((resolve) => {
        const look = (): void => {
          const match = /listening on [^:]+:(\d+)/.exec(server.stdout());
          if (match?.[1] !== undefined) resolve(match[1]);
        };
        server.child.stdout?.on('data', look);
        look();
      }),
      'listening line',
    );
  }

  it('keeps answering pings while the busy switch burns the CPU, and exits 0 on SIGTERM', async () => {
    const server = run({ DEMO_BUSY_PERCENT: '80' });
    const port = await portOf(server);
    expect(server.stdout()).toContain('demo-server busy: spinning 80 ms of every 100 ms\n');
    const client: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    try {
      const reply = await within(client.timeout(DEADLINE_MS).emitWithAck('ping') as Promise<PingReply>, 'ping ack while busy');
      expect(reply).toMatchObject({ pong: true, pid: server.child.pid });
    } finally {
      client.disconnect();
    }
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 'exit after SIGTERM')).toBe(0);
  });

  it('prints its port once listening and exits 0 on SIGTERM', async () => {
    const server = run({});
    const port = await portOf(server);
    expect(Number(port)).toBeGreaterThan(0);
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 'exit after SIGTERM')).toBe(0);
    expect(server.stdout()).toContain('demo-server shutting down (SIGTERM)\n');
  });

  /** The numbers of the `demo-count N` lines, and the N of `demo-count stopped after N` (undefined without one). */
  function counted(stdout: string): { numbers: number[]; stoppedAfter: number | undefined } {
    const numbers = [...stdout.matchAll(/^demo-count (\d+)$/gm)].map((match) => Number(match[1]));
    const stopped = /^demo-count stopped after (\d+)$/m.exec(stdout);
    return { numbers, stoppedAfter: stopped?.[1] === undefined ? undefined : Number(stopped[1]) };
  }

  it('with DEMO_FAULT_EVENTS=1, crashes on a crash event after acking it, and its numbered lines end with how far it counted', async () => {
    const server = run({ DEMO_FAULT_EVENTS: '1', DEMO_COUNT_EVERY_MS: '5' });
    const port = await portOf(server);
    const client: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    try {
      await waitUntil(() => counted(server.stdout()).numbers.length >= 3, { timeoutMs: DEADLINE_MS, what: 'three numbered lines' });
      const ack = await within(client.timeout(DEADLINE_MS).emitWithAck(FAULT_EVENT, { kind: 'crash' }) as Promise<FaultAck>, 'fault ack');
      expect(ack).toEqual({ accepted: true, kind: 'crash', pid: server.child.pid });
      expect(await within(server.exited, 'exit after the crash event')).toBe(1);
    } finally {
      client.disconnect();
    }
    expect(server.stderr()).toContain('Error: demo-server: crash event');
    const { numbers, stoppedAfter } = counted(server.stdout());
    expect(numbers).toEqual(numbers.map((_, index) => index + 1));
    expect(stoppedAfter).toBe(numbers.length);
  });

  it('without the switch refuses a fault event and keeps serving; a SIGTERM still ends the count with its last line', async () => {
    const server = run({ DEMO_COUNT_EVERY_MS: '5' });
    const port = await portOf(server);
    const client: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    try {
      const ack = await within(client.timeout(DEADLINE_MS).emitWithAck(FAULT_EVENT, { kind: 'block' }) as Promise<FaultAck>, 'fault ack');
      expect(ack).toMatchObject({ accepted: false });
      const reply = await within(client.timeout(DEADLINE_MS).emitWithAck('ping') as Promise<PingReply>, 'ping ack after the refusal');
      expect(reply.pid).toBe(server.child.pid);
    } finally {
      client.disconnect();
    }
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 'exit after SIGTERM')).toBe(0);
    const { numbers, stoppedAfter } = counted(server.stdout());
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers).toEqual(numbers.map((_, index) => index + 1));
    expect(stoppedAfter).toBe(numbers.length);
  });
});
