import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ChildController,
  isProcessAlive,
  liveGroupMembers,
  readProcStat,
  type ChildControllerOptions,
  type ChildStateKind,
  type ExitEvent,
  type RestartScheduledEvent,
  type StopRequestedEvent,
} from '../src/index.js';

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

/** Resolves at the first output line that `matches`, from now on. */
function line(controller: ChildController, matches: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const onLine = ({ text }: { text: string }): void => {
      if (!matches(text)) return;
      controller.off('line', onLine);
      resolve(text);
    };
    controller.on('line', onLine);
  });
}

function lines(controller: ChildController): string[] {
  const seen: string[] = [];
  controller.on('line', ({ text }) => seen.push(text));
  return seen;
}

/** Polls `condition` until it holds; fails past the deadline instead of hanging. */
async function waitFor(condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${deadlineMs}ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function kinds(controller: ChildController): ChildStateKind[] {
  const seen: ChildStateKind[] = [];
  controller.on('state', ({ to }) => seen.push(to.kind));
  return seen;
}

const STAY_UP = 'setInterval(() => {}, 60000)';
/** Starts a grandchild in the same group that stays up, and prints its pid. */
const GRANDCHILD = `console.log('grandchild ' + require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(STAY_UP)}], { stdio: 'inherit' }).pid);`;
/** A child that says when it is ready, and what it does when asked over IPC or by SIGTERM. */
const POLITE = [
  `process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });`,
  `process.on('message', (m) => { if (m.type === 'shutdown') { console.log('asked to shut down'); process.exit(0); } });`,
  `console.log('ready'); ${STAY_UP}`,
].join(' ');

/** Waits for a crashed child's group to be cleared, the way a caller of respawn() would see it. */
async function crashed(controller: ChildController): Promise<ExitEvent> {
  const exit = (await next(controller, 'exit')) as ExitEvent;
  expect(exit.expected).toBe(false);
  expect(controller.state).toMatchObject({ kind: 'exited', generation: exit.generation, lastExit: { pid: exit.pid, code: exit.code } });
  return exit;
}

describe('ChildController', () => {
  it('reports an exit code and waits in exited: nothing respawns on its own', async () => {
    const controller = node(`${GRANDCHILD} setTimeout(() => process.exit(7), 50)`);
    const seen = kinds(controller);
    const grandchild = line(controller, (text) => text.startsWith('grandchild'));
    const scheduled: RestartScheduledEvent[] = [];
    controller.on('restartScheduled', (event) => scheduled.push(event));
    controller.start();
    const pid = controller.pid!;
    const grandchildPid = Number((await grandchild).split(' ')[1]);
    const exit = await crashed(controller);
    expect(exit).toMatchObject({ pid, code: 7, signal: null, expected: false, generation: 1 });
    expect(controller.pid).toBeUndefined();

    // The sweep clears the grandchild (stop signal to the group) and that is all it does.
    await waitFor(() => liveGroupMembers(pid).length === 0, 'the crashed group to be cleared');
    expect(isProcessAlive(grandchildPid)).toBe(false);
    expect(controller.state).toMatchObject({ kind: 'exited', generation: 1, lastExit: { code: 7 } });
    expect(controller.restarts).toBe(0);
    expect(scheduled).toEqual([]);

    // Nothing was spawned in the meantime: the next spawn is generation 2.
    expect(controller.respawn({ delayMs: 0, attempt: 1 })).toBe(true);
    expect(await next(controller, 'spawned')).toMatchObject({ generation: 2, restarts: 1 });
    expect(controller.generation).toBe(2);
    expect(seen).toEqual(['starting', 'running', 'exited', 'backoff', 'starting', 'running']);
  });

  it('respawn() waits its delay in backoff, then spawns', async () => {
    const controller = node('process.exit(3)');
    controller.start();
    await crashed(controller);
    const seen = kinds(controller);
    const scheduled = new Promise<RestartScheduledEvent>((resolve) => controller.once('restartScheduled', resolve));
    expect(controller.respawn({ delayMs: 50, attempt: 2 })).toBe(true);
    expect(controller.state).toMatchObject({ kind: 'backoff', generation: 1, attempt: 2, delayMs: 50, lastExit: { code: 3 } });
    const event = await scheduled;
    expect(event).toMatchObject({ generation: 1, delayMs: 50, attempt: 2 });
    // From backoff, respawn() has nothing to do.
    expect(controller.respawn({ delayMs: 0, attempt: 3 })).toBe(false);

    expect(await next(controller, 'spawned')).toMatchObject({ generation: 2, restarts: 1 });
    expect(seen.slice(0, 3)).toEqual(['backoff', 'starting', 'running']);
    const state = controller.state;
    // A few ms of slack: setTimeout's clock and Date.now() may round apart.
    if (state.kind === 'running') expect(state.startedAt).toBeGreaterThanOrEqual(event.until - 5);
    else expect(state.kind).toBe('running');
  });

  it('respawn() returns false, and does nothing, unless the child exited on its own', async () => {
    const controller = node(STAY_UP);
    const scheduled: RestartScheduledEvent[] = [];
    controller.on('restartScheduled', (event) => scheduled.push(event));
    expect(controller.respawn({ delayMs: 0, attempt: 1 })).toBe(false);
    expect(controller.state.kind).toBe('idle');
    controller.start();
    expect(controller.respawn({ delayMs: 0, attempt: 1 })).toBe(false);
    expect(controller.state).toMatchObject({ kind: 'running', generation: 1 });
    await controller.stop();
    expect(controller.respawn({ delayMs: 0, attempt: 1 })).toBe(false);
    expect(controller.state.kind).toBe('stopped');
    expect(scheduled).toEqual([]);
    expect(controller.generation).toBe(1);
  });

  it('respawn() refuses a delay setTimeout cannot wait', async () => {
    const controller = node('process.exit(1)');
    controller.start();
    await crashed(controller);
    expect(() => controller.respawn({ delayMs: 2 ** 31, attempt: 1 })).toThrow(/delayMs/);
    expect(() => controller.respawn({ delayMs: -1, attempt: 1 })).toThrow(/delayMs/);
    expect(() => controller.respawn({ delayMs: 0, attempt: 0 })).toThrow(/attempt/);
    expect(controller.state.kind).toBe('exited');
  });

  it('stop() from exited waits for the sweep, then ends stopped with the exit kept', async () => {
    const controller = node(`${GRANDCHILD} setTimeout(() => process.exit(1), 50)`);
    const grandchild = line(controller, (text) => text.startsWith('grandchild'));
    controller.start();
    const pid = controller.pid!;
    const grandchildPid = Number((await grandchild).split(' ')[1]);
    await crashed(controller);
    await controller.stop('operator');
    expect(controller.state).toMatchObject({ kind: 'stopped', reason: 'operator', lastExit: { pid, code: 1 } });
    expect(liveGroupMembers(pid)).toEqual([]);
    expect(isProcessAlive(grandchildPid)).toBe(false);
  });

  it('restart() from exited spawns at once, without backoff', async () => {
    const controller = node(`if (process.env.MPM_TEST_CRASH === '1') process.exit(2); ${STAY_UP}`);
    controller.updateSpec({ ...controller.spec, env: { MPM_TEST_CRASH: '1' } });
    const scheduled: RestartScheduledEvent[] = [];
    controller.on('restartScheduled', (event) => scheduled.push(event));
    controller.start();
    await crashed(controller);
    controller.updateSpec({ ...controller.spec, env: {} });
    const seen = kinds(controller);
    await controller.restart('recovery');
    expect(controller.state).toMatchObject({ kind: 'running', generation: 2 });
    expect(controller.restarts).toBe(1);
    expect(seen).toEqual(['starting', 'running']);
    expect(scheduled).toEqual([]);
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

  it('stop() during the backoff wait cancels the respawn', async () => {
    const controller = node('process.exit(1)');
    controller.start();
    await crashed(controller);
    expect(controller.respawn({ delayMs: 60_000, attempt: 1 })).toBe(true);
    expect(controller.state.kind).toBe('backoff');
    await controller.stop();
    expect(controller.state).toMatchObject({ kind: 'stopped', lastExit: { code: 1 } });
    expect(controller.generation).toBe(1);
  });

  it('restart() during the backoff wait spawns at once', async () => {
    const controller = node(`if (process.env.MPM_TEST_CRASH === '1') process.exit(1); ${STAY_UP}`);
    controller.updateSpec({ ...controller.spec, env: { MPM_TEST_CRASH: '1' } });
    controller.start();
    await crashed(controller);
    controller.updateSpec({ ...controller.spec, env: {} });
    controller.respawn({ delayMs: 60_000, attempt: 1 });
    await controller.restart('operator');
    expect(controller.state).toMatchObject({ kind: 'running', generation: 2 });
  });

  it('restart() with a request asks over IPC and sends no stop signal when the child agrees', async () => {
    const controller = node(POLITE, { settings: { killTimeoutMs: 30_000 } });
    const output = lines(controller);
    const stops: StopRequestedEvent[] = [];
    controller.on('stopRequested', (event) => stops.push(event));
    const ready = line(controller, (text) => text === 'ready');
    controller.start();
    const first = controller.pid!;
    await ready;
    let asked = 0;
    await controller.restart('recovery', {
      request: () => {
        asked += 1;
        return controller.send({ type: 'shutdown' });
      },
    });
    expect(asked).toBe(1);
    expect(stops).toEqual([expect.objectContaining({ pid: first, generation: 1, reason: 'recovery', how: 'message', signal: 'SIGTERM', killTimeoutMs: 30_000 })]);
    expect(controller.lastExit).toMatchObject({ pid: first, code: 0, signal: null });
    expect(output).toContain('asked to shut down');
    expect(output).not.toContain('got SIGTERM');
    expect(controller.state).toMatchObject({ kind: 'running', generation: 2 });
    expect(controller.pid).not.toBe(first);
  });

  it.each([
    ['resolves false', () => Promise.resolve(false)],
    ['rejects', () => Promise.reject(new Error('no agent'))],
  ])('stop() sends the stop signal when the request %s', async (_, request) => {
    const controller = node(POLITE, { settings: { killTimeoutMs: 30_000 } });
    const output = lines(controller);
    const stops: StopRequestedEvent[] = [];
    controller.on('stopRequested', (event) => stops.push(event));
    const ready = line(controller, (text) => text === 'ready');
    controller.start();
    await ready;
    await controller.stop('operator', { request });
    expect(stops).toEqual([expect.objectContaining({ how: 'message', signal: 'SIGTERM' })]);
    expect(output).toContain('got SIGTERM');
    expect(output).not.toContain('asked to shut down');
    expect(controller.state).toMatchObject({ kind: 'stopped', reason: 'operator' });
    expect(controller.lastExit).toMatchObject({ code: 0, signal: null });
  });

  it('says how it stops the child: by signal, or by SIGKILL for kill()', async () => {
    const controller = node(STAY_UP);
    const stops: StopRequestedEvent[] = [];
    controller.on('stopRequested', (event) => stops.push(event));
    controller.start();
    await controller.stop();
    controller.start();
    await controller.kill('shutdown');
    expect(stops).toEqual([
      expect.objectContaining({ generation: 1, how: 'signal', signal: 'SIGTERM', killTimeoutMs: 5000 }),
      expect.objectContaining({ generation: 2, how: 'kill', signal: 'SIGKILL', killTimeoutMs: 0 }),
    ]);
  });

  it('signal() reaches the child only, not the rest of its group', async () => {
    const script = `process.on('SIGUSR2', () => console.log('got SIGUSR2')); ${GRANDCHILD} ${STAY_UP}`;
    const controller = node(script);
    expect(controller.signal('SIGUSR2')).toBe(false);
    const grandchild = line(controller, (text) => text.startsWith('grandchild'));
    controller.start();
    const grandchildPid = Number((await grandchild).split(' ')[1]);
    const got = line(controller, (text) => text === 'got SIGUSR2');
    expect(controller.signal('SIGUSR2')).toBe(true);
    await got;
    // SIGUSR2's default action would have ended the grandchild had the group got it.
    expect(isProcessAlive(grandchildPid)).toBe(true);
    await controller.stop();
    expect(controller.signal('SIGUSR2')).toBe(false);
  });

  it('counts generations: 0 before the first spawn, one more per spawn', async () => {
    const controller = node(STAY_UP);
    expect(controller.generation).toBe(0);
    controller.start();
    expect(controller.generation).toBe(1);
    await controller.restart();
    expect(controller.generation).toBe(2);
    await controller.stop();
    expect(controller.generation).toBe(2);
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
