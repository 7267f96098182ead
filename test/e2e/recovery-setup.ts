import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { continueAll, expectAllGone } from '../helpers/processes.js';
import { merge, type Json } from '../helpers/records.js';
import { demoServerPath, destroyAllSupervisors, fixturePath, SupervisorProcess } from '../helpers/supervisor.js';

// What the graded recovery tests (recovery-*.test.ts) share: a quick config, supervisors
// over the demo server, and the cleanup after each test.

/**
 * Short intervals, so that each fault is seen, acted on and verified in a few seconds.
 * They are far apart all the same: a check every 450 ms (a probe gets as long), an action
 * at most every 800 ms, and an action has 3 s to make the child healthy.
 */
export const QUICK: Json = {
  child: { killTimeoutMs: '1s', restartDelayMs: 100 },
  health: { checkIntervalMs: 450, probeTimeoutMs: 450, failureThreshold: 2 },
  recovery: {
    minActionIntervalMs: 800,
    verifyTimeoutMs: '3s',
    failureWindowMs: '1m',
    circuitBreaker: { failureThreshold: 2, timeoutMs: '1500ms', successThreshold: 2, maxOpenCycles: 3 },
  },
  // Any free port, should the status server listen: tests run side by side.
  http: { port: 0 },
};

// Bounds waits on a slow machine; it is not how long anything takes.
export const DEADLINE_MS = 20_000;

export const clients: Socket[] = [];
/** Pids of children a test stopped (SIGSTOP): cleanUp wakes them. */
export const stopped: number[] = [];
const tempDirs: string[] = [];

/** For afterEach: wakes the stopped children, drops the clients, ends the supervisors and removes the temp folders. */
export async function cleanUp(): Promise<void> {
  continueAll(stopped);
  for (const client of clients.splice(0)) client.disconnect();
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-recovery-'));
  tempDirs.push(dir);
  return dir;
}

/** Writes QUICK with `over` on top to a config file in `dir`; returns its path. */
export function writeConfig(dir: string, over: Json = {}): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(merge(QUICK, over), null, 2));
  return file;
}

export interface Run {
  readonly supervisor: SupervisorProcess;
  readonly dir: string;
  readonly config: string;
}

/** A supervisor over `command`, with QUICK and `over` as its config file. */
export function supervise(command: readonly string[], { over = {}, env = {}, args = [] }: { over?: Json; env?: NodeJS.ProcessEnv; args?: readonly string[] } = {}): Run {
  const dir = tempDir();
  const config = writeConfig(dir, over);
  const supervisor = new SupervisorProcess(['--config', config, ...args, '--', ...command], { env });
  return { supervisor, dir, config };
}

/** The demo server on a free port, with these DEMO_* switches. */
export function superviseDemo(switches: Record<string, string>, options: { over?: Json; args?: readonly string[] } = {}): Run {
  return supervise(['node', demoServerPath], { ...options, args: ['--port', '0', ...(options.args ?? [])], env: switches });
}

/** The demo server on a free port, with these DEMO_* switches on its first start only. */
export function superviseDemoFaultyOnce(switches: Record<string, string>, options: { over?: Json } = {}): Run {
  const dir = tempDir();
  const config = writeConfig(dir, options.over ?? {});
  const env = { START_COUNT_FILE: join(dir, 'starts'), FAULTS_ONCE: JSON.stringify(switches) };
  const supervisor = new SupervisorProcess(['--config', config, '--port', '0', '--', 'node', fixturePath('demo-faulty-once.mjs')], { env });
  return { supervisor, dir, config };
}

export async function stopCleanly(supervisor: SupervisorProcess): Promise<void> {
  supervisor.signal('SIGTERM');
  expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
  await expectAllGone(supervisor.childPids());
}

/** Connects a real Socket.IO client that never reconnects; resolves once connected. */
export async function connectClient(port: number): Promise<Socket> {
  const client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
  clients.push(client);
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('connect_error', reject));
  return client;
}
