import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { waitUntil } from '../../../test/helpers/wait.js';
import { DemoConfigError, FAIL_EVENT, parseFaults, parseListenOptions, startDemoServer, type PingReply } from '../src/index.js';

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
    expect(configError(() => parseFaults([], { DEMO_BUSY_PERCENT: '0' })).message).toBe(
      'invalid DEMO_BUSY_PERCENT value "0": expected a whole percentage of CPU time (1 to 95)',
    );
    expect(configError(() => parseFaults(['--busy-percent=96'], {})).setting).toBe('--busy-percent');
    expect(configError(() => parseFaults(['--busy-percent', '50.5'], {})).setting).toBe('--busy-percent');
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

describe('startDemoServer', () => {
  it('answers an acked ping from a real client, then closes cleanly', async () => {
    const server = await startDemoServer({ port: 0, tickMs: 50 });
    const client: Socket = io(`http://127.0.0.1:${server.port}`, { transports: ['websocket'], reconnection: false });
    try {
      await within(new Promise<void>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      }), 'connect');
      client.emit('ping'); // no ack: must be ignored, not thrown on
      const reply = await within(new Promise<PingReply>((resolve) => client.emit('ping', resolve)), 'ping ack');
      expect(reply).toMatchObject({ pong: true, pid: process.pid });
      expect(typeof reply.time).toBe('number');
      await within(new Promise((resolve) => client.once('tick', resolve)), 'tick');
      expect(server.stats()).toEqual({ clients: 1, events: 2 });
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

  it('keeps answering pings while the busy switch burns the CPU, and exits 0 on SIGTERM', async () => {
    const server = run({ DEMO_BUSY_PERCENT: '80' });
    const port = await within(new Promise<string>((resolve) => {
      server.child.stdout?.on('data', () => {
        const match = /listening on [^:]+:(\d+)/.exec(server.stdout());
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    }), 'listening line');
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
    const port = await within(new Promise<string>((resolve) => {
      server.child.stdout?.on('data', () => {
        const match = /listening on [^:]+:(\d+)/.exec(server.stdout());
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    }), 'listening line');
    expect(Number(port)).toBeGreaterThan(0);
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 'exit after SIGTERM')).toBe(0);
    expect(server.stdout()).toContain('demo-server shutting down (SIGTERM)\n');
  });
});
