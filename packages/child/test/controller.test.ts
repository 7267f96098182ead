import { afterEach, describe, expect, it } from '@jest/globals';
import { ChildController, isProcessAlive, readProcStat, type ChildControllerOptions, type ChildStateKind, type ExitEvent } from '../src/index.js';

const controllers: ChildController[] = [];

afterEach(async () => {
  await Promise.all(controllers.splice(0).map((controller) => controller.stop('shutdown')));
});

function node(script: string, options: Partial<ChildControllerOptions> = {}): ChildController {
  const controller = new ChildController({
    spec: { command: process.execPath, args: ['-e', script], cwd: process.cwd(), env: {}, ipc: 'auto' },
    ...options,
  });
  controllers.push(controller);
  return controller;
}

function next<K extends 'exit' | 'spawned' | 'spawnFailed'>(controller: ChildController, event: K): Promise<Parameters<Parameters<typeof controller.once<K>>[1]>[0]> {
  return new Promise((resolve) => controller.once(event, ((value: never) => resolve(value)) as never));
}

function kinds(controller: ChildController): ChildStateKind[] {
  const seen: ChildStateKind[] = [];
  controller.on('state', ({ to }) => seen.push(to.kind));
  return seen;
}

const STAY_UP = 'setInterval(() => {}, 60000)';

describe('ChildController', () => {
  it('reports an exit code and restarts after the backoff delay', async () => {
    const controller = node('process.exit(7)', { settings: { restartDelayMs: 50 } });
    const seen = kinds(controller);
    controller.start();
    const exit = (await next(controller, 'exit')) as ExitEvent;
    expect(exit).toMatchObject({ code: 7, signal: null, expected: false, generation: 1 });
    await next(controller, 'spawned');
    expect(controller.restarts).toBe(1);
    expect(seen.slice(0, 4)).toEqual(['starting', 'running', 'backoff', 'starting']);
  });

  it('runs the child as the leader of its own process group', () => {
    const controller = node(STAY_UP);
    controller.start();
    const pid = controller.pid!;
    expect(readProcStat(pid)).toMatchObject({ pid, pgid: pid });
    expect(readProcStat(process.pid)!.pgid).not.toBe(pid);
  });

  it('reports the signal that killed the child', async () => {
    const controller = node(STAY_UP);
    controller.start();
    const pid = controller.pid!;
    process.kill(pid, 'SIGKILL');
    const exit = (await next(controller, 'exit')) as ExitEvent;
    expect(exit).toMatchObject({ pid, code: null, signal: 'SIGKILL', expected: false });
  });

  it('stops gracefully: the stop signal reaches the whole group, and the state ends stopped', async () => {
    const grandchild = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(STAY_UP)}], { stdio: 'inherit' }).pid`;
    const controller = node(`console.log('grandchild ' + ${grandchild}); ${STAY_UP}`);
    const lines: string[] = [];
    controller.on('line', (line) => lines.push(line.text));
    controller.start();
    const pid = controller.pid!;
    await new Promise<void>((resolve) => controller.on('line', (line) => line.text.startsWith('grandchild') && resolve()));
    const grandchildPid = Number(lines[0]!.split(' ')[1]);
    expect(isProcessAlive(grandchildPid)).toBe(true);

    await controller.stop('operator');
    expect(controller.state).toMatchObject({ kind: 'stopped', reason: 'operator' });
    expect(controller.lastExit).toMatchObject({ pid, signal: 'SIGTERM' });
    expect(isProcessAlive(pid)).toBe(false);
    expect(isProcessAlive(grandchildPid)).toBe(false);
  });

  it('sends SIGKILL when the stop signal is ignored past killTimeoutMs', async () => {
    const controller = node(`process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); ${STAY_UP}`, {
      settings: { killTimeoutMs: 300 },
    });
    const escalations: number[] = [];
    controller.on('killEscalated', (event) => escalations.push(event.afterMs));
    controller.start();
    await new Promise<void>((resolve) => controller.on('line', (line) => line.text === 'ready' && resolve()));
    await controller.stop();
    expect(controller.lastExit).toMatchObject({ signal: 'SIGKILL' });
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toBeGreaterThanOrEqual(295);
  });

  it('restart() replaces the child at once, without backoff', async () => {
    const controller = node(STAY_UP);
    controller.start();
    const first = controller.pid!;
    const scheduled: number[] = [];
    controller.on('restartScheduled', (event) => scheduled.push(event.delayMs));
    await controller.restart('operator');
    expect(controller.state.kind).toBe('running');
    expect(controller.pid).not.toBe(first);
    expect(controller.restarts).toBe(1);
    expect(isProcessAlive(first)).toBe(false);
    expect(scheduled).toEqual([]);
  });

  it('stop() during the backoff wait cancels the restart', async () => {
    const controller = node('process.exit(1)', { settings: { restartDelayMs: 60_000 } });
    controller.start();
    await next(controller, 'exit');
    expect(controller.state.kind).toBe('backoff');
    await controller.stop();
    expect(controller.state).toMatchObject({ kind: 'stopped', lastExit: { code: 1 } });
  });

  it('fails, without retrying, when the command does not exist', async () => {
    const controller = new ChildController({
      spec: { command: 'no-such-command-mpm-test', args: [], cwd: process.cwd(), env: {}, ipc: 'auto' },
    });
    controllers.push(controller);
    controller.start();
    const error = await next(controller, 'spawnFailed');
    expect(error).toMatchObject({ kind: 'not_found', code: 'ENOENT' });
    expect(controller.state.kind).toBe('failed');
    expect(controller.restarts).toBe(0);
  });

  it('opens an IPC channel to a Node child and relays its messages', async () => {
    const controller = node(`process.on('message', (m) => process.send({ echo: m })); ${STAY_UP}`);
    controller.start();
    expect(controller.hasIpc).toBe(true);
    const reply = new Promise((resolve) => controller.once('message', (message) => resolve(message)));
    expect(await controller.send({ type: 'mpm:ping', id: 1 })).toBe(true);
    expect(await reply).toEqual({ echo: { type: 'mpm:ping', id: 1 } });
  });
});
