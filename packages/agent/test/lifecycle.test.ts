// How the agent lives and dies with its process: it never outlives its supervisor, never
// keeps the process alive by itself, and does nothing without an IPC channel.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { expectAllGone, killQuietly } from '../../../test/helpers/processes.js';
import { pingSocketIo } from '../../../test/helpers/socketio.js';
import { DEADLINE_MS, within } from './helpers/deadline.js';
import { DEMO_MAIN, DemoChild, demoEnv, fixture, killAllDemoChildren } from './helpers/demo-child.js';

const started: ChildProcess[] = [];
const orphans: number[] = [];

afterEach(async () => {
  for (const pid of orphans.splice(0)) killQuietly(pid);
  const children = started.splice(0);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
  await killAllDemoChildren();
});

function closed(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

describe('the agent over the life of its process', () => {
  it('closes the demo server and exits when its supervisor is SIGKILLed', async () => {
    const parent = spawn(process.execPath, [fixture('parent.mjs'), DEMO_MAIN], { env: demoEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(parent);
    let output = '';
    parent.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    // The pipe stays open while the demo server, which shares it, is alive.
    const allClosed = closed(parent);
    const childLine = await within(
      new Promise<{ childPid: number; port: number }>((resolve) => {
        parent.stdout!.on('data', () => {
          const line = output.split('\n').find((text) => text.startsWith('{"childPid"'));
          if (line !== undefined) resolve(JSON.parse(line) as { childPid: number; port: number });
        });
      }),
      'the fixture to report its child',
    );
    orphans.push(childLine.childPid);
    expect(isProcessAlive(childLine.childPid)).toBe(true);
    expect((await pingSocketIo(childLine.port)).pong).toBe(true);

    parent.kill('SIGKILL');

    await expectAllGone([parent.pid!, childLine.childPid], DEADLINE_MS);
    await within(allClosed, 'the shared output to close');
    expect(output).toContain('mpm agent: the IPC channel to the supervisor closed; closing (grace 5000 ms)\n');
  });

  it('does not keep the process alive: a server that closes exits by itself while the channel stays open', async () => {
    const child = fork(fixture('closes-by-itself.mjs'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    started.push(child);
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const messages: unknown[] = [];
    child.on('message', (message) => messages.push(message));
    const exit = closed(child);

    // We never disconnect our end of the channel: the child leaves on its own.
    expect(await within(exit, 'the fixture to exit by itself')).toBe(0);
    expect(output).toBe('agent active=true\nclosed\n');
    expect(messages).toEqual([{ type: 'mpm:ready', port: expect.any(Number), address: '127.0.0.1' }]);
  });

  it('without an IPC channel leaves the demo server as it was: inactive agent, normal pings, SIGTERM exits 0', async () => {
    const child = new DemoChild({ ipc: false });
    const [, port] = await child.waitForOutput(/listening on 127\.0\.0\.1:(\d+) /);
    await child.waitForOutput(/demo-server agent inactive \(no IPC channel\)\n/);
    expect(await pingSocketIo(Number(port))).toMatchObject({ pong: true, pid: child.pid });

    child.process.kill('SIGTERM');

    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(child.stdout).toContain('demo-server shutting down (SIGTERM)\n');
    expect(child.stdout).not.toContain('mpm agent');
  });
});
