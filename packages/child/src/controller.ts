import { EventEmitter } from 'node:events';
import { startRun, type Run } from './child-run.js';
import { systemClock, type Clock } from '@mpm/system';
import { assertRespawnPlan, type ChildControllerOptions, type RespawnPlan, type StopOptions } from './controller-options.js';
import { SpawnFailedError } from './errors.js';
import type { ChildEvents } from './events.js';
import { lastOutput } from './output-relay.js';
import { DEFAULT_CHILD_SETTINGS, type ChildSettings, type ChildSpec } from './settings.js';
import { spawnWithExeca, type SpawnFunction, type SpawnedProcess } from './spawn.js';
import { isSettled, type AfterStop, type ChildState, type ExitInfo, type StopReason } from './state.js';
import { StateWaiters } from './state-waiters.js';
import { StopSequence } from './stop-sequence.js';
import { TimerSlot } from './timer-slot.js';

/**
 * Runs one command as a child process: spawns it in its own process group, relays its
 * output line by line (output-relay.ts), reports when it exits on its own and brings it
 * back when told to (respawn), and stops it gracefully (stop-sequence.ts: stop signal or a
 * request, then SIGKILL to the whole group). It decides nothing about restarts: that is
 * the recovery package's job.
 *
 * Every state change goes through #transition and is reported as a 'state' event.
 */
export class ChildController extends EventEmitter<ChildEvents> {
  #spec: ChildSpec;
  #settings: ChildSettings;
  readonly #clock: Clock;
  readonly #spawn: SpawnFunction;
  /** Children spawned whose exit Node has not collected yet: never anyone else's to reap. */
  readonly #unreaped = new Set<number>();

  #state: ChildState = { kind: 'idle' };
  #generation = 0;
  #restarts = 0;
  #run: Run | undefined;
  readonly #timer: TimerSlot;
  #lastExit: ExitInfo | null = null;
  readonly #waiters = new StateWaiters<ChildState>();
  readonly #stops: StopSequence;

  constructor(options: ChildControllerOptions) {
    super();
    this.#spec = options.spec;
    this.#settings = Object.freeze({ ...DEFAULT_CHILD_SETTINGS, ...options.settings });
    this.#clock = options.clock ?? systemClock;
    this.#spawn = options.spawn ?? spawnWithExeca;
    this.#timer = new TimerSlot(this.#clock);
    const otherChildren = options.otherChildren ?? (() => []);
    this.#stops = new StopSequence({
      clock: this.#clock,
      timer: this.#timer,
      state: () => this.#state,
      settings: () => this.#settings,
      run: () => this.#run,
      transition: (to) => this.#transition(to),
      until: (done) => this.#until(done),
      spawnNow: () => this.#spawnNow(),
      report: {
        stopRequested: (event) => this.emit('stopRequested', event),
        killEscalated: (event) => this.emit('killEscalated', event),
        escapesEnded: (event) => this.emit('escapesEnded', event),
      },
      escapes: { end: options.endEscapes ?? false, exclude: () => new Set([...this.#unreaped, ...otherChildren()]) },
    });
  }

  /** Pids of the children this controller spawned that have not been collected by Node yet. */
  get ownChildren(): readonly number[] {
    return [...this.#unreaped];
  }

  get state(): ChildState {
    return this.#state;
  }

  get spec(): ChildSpec {
    return this.#spec;
  }

  get settings(): ChildSettings {
    return this.#settings;
  }

  /** The generation of the latest spawn (0 before the first), failed spawns included. */
  get generation(): number {
    return this.#generation;
  }

  /** Respawns after the first spawn, whatever caused them. */
  get restarts(): number {
    return this.#restarts;
  }

  get lastExit(): ExitInfo | null {
    return this.#lastExit;
  }

  /** The pid of the current child while one is alive. */
  get pid(): number | undefined {
    const state = this.#state;
    return state.kind === 'running' || state.kind === 'stopping' ? state.pid : undefined;
  }

  /** True while the current child has an IPC channel that is still read (see IpcChannel). */
  get hasIpc(): boolean {
    return this.#run?.process.ipcOpen === true && this.pid !== undefined;
  }

  /** Applies new settings; a running child keeps going, the next stop or restart uses them. */
  updateSettings(settings: Partial<ChildSettings>): void {
    this.#settings = Object.freeze({ ...this.#settings, ...settings });
  }

  /** Replaces what is spawned; a running child keeps going, the next spawn uses the new spec. */
  updateSpec(spec: ChildSpec): void {
    this.#spec = spec;
  }

  /** Spawns the child. Only from idle or stopped; a failed spawn needs a new controller. */
  start(): void {
    const kind = this.#state.kind;
    if (kind !== 'idle' && kind !== 'stopped') {
      throw new Error(`cannot start a child that is ${kind}`);
    }
    this.#spawnNow();
  }

  /**
   * Stops the child gracefully: stop signal to its process group (or options.request),
   * SIGKILL after killTimeoutMs. Resolves once no process of the group is left.
   */
  async stop(reason: StopReason = 'operator', options: StopOptions = {}): Promise<void> {
    await this.#stops.end(reason, 'stop', this.#settings.killTimeoutMs, options.request);
  }

  /** Graceful stop as stop() does, then a new child at once, without waiting. */
  async restart(reason: StopReason = 'operator', options: StopOptions = {}): Promise<void> {
    const generation = this.#generation;
    await this.#stops.end(reason, 'restart', this.#settings.killTimeoutMs, options.request);
    await this.#until((state) => isSettled(state) || (state.kind === 'running' && state.generation > generation));
  }

  /**
   * Brings back a child that exited on its own: waits plan.delayMs (in 'backoff'), and for
   * the old group to be cleared, then spawns. Only from 'exited'; false, and nothing done,
   * in any other state (a stop or restart got there first).
   */
  respawn(plan: RespawnPlan): boolean {
    assertRespawnPlan(plan);
    const { delayMs, attempt } = plan;
    const state = this.#state;
    if (state.kind !== 'exited') return false;
    const { generation, lastExit } = state;
    const sweep = this.#run?.sweep ?? Promise.resolve();
    const until = this.#clock.now() + delayMs;
    const backoff: ChildState = { kind: 'backoff', generation, until, attempt, delayMs, lastExit };
    this.#transition(backoff);
    this.emit('restartScheduled', { generation, delayMs, attempt, until });
    const timer = this.#timer.set(() => {
      void sweep.then(() => {
        // A stop or restart that came in the meantime has cancelled the timer, though the
        // state stays 'backoff' until it has waited for the same sweep.
        if (this.#state === backoff && this.#timer.holds(timer)) this.#spawnNow();
      });
    }, delayMs);
    return true;
  }

  /** SIGKILL to the whole group now. Resolves once the group is gone. */
  async kill(reason: StopReason = 'operator', then: AfterStop = 'stop'): Promise<void> {
    await this.#stops.end(reason, then, 0);
  }

  /**
   * Sends a signal to the current child only, not to its group: another process of the
   * group could die of it (SIGUSR2's default action, say). False when there is no live
   * child or the signal could not be sent.
   */
  signal(signal: NodeJS.Signals): boolean {
    const run = this.#run;
    if (run === undefined || run.leaderExited || this.pid !== run.pid) return false;
    try {
      process.kill(run.pid, signal);
      return true;
    } catch {
      // ESRCH (it just exited) or EPERM: either way it was not sent, which is the answer.
      return false;
    }
  }

  /** Sends an IPC message to the current child; false when there is no channel. */
  async send(message: unknown): Promise<boolean> {
    const run = this.#run;
    if (run === undefined || this.pid === undefined) return false;
    return run.process.send(message);
  }

  #spawnNow(): void {
    this.#timer.cancel();
    const generation = ++this.#generation;
    if (generation > 1) this.#restarts += 1;
    this.#transition({ kind: 'starting', generation, since: this.#clock.now() });
    let child: SpawnedProcess;
    try {
      child = this.#spawn(this.#spec);
    } catch (error) {
      // execa validates its options synchronously; treat that like a refused spawn.
      const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      this.#fail(new SpawnFailedError('other', this.#spec.command, `cannot start ${this.#spec.command}: ${detail}`, { cause: error }));
      return;
    }
    if (child.pid === undefined) {
      void child.spawnFailure.then((failure) => {
        if (failure !== undefined) this.#fail(failure);
      });
      return;
    }
    const pid = child.pid;
    this.#unreaped.add(pid);
    const startedAt = this.#clock.now();
    this.#run = startRun(
      child,
      { pid, generation, startedAt, maxLineBytes: this.#settings.maxLineBytes },
      {
        line: (line) => this.emit('line', line),
        message: (message) => this.emit('message', message, generation),
        ipcTrouble: (trouble) => this.emit('ipcTrouble', trouble, generation),
        exit: (run, code, signal) => {
          this.#unreaped.delete(pid);
          void this.#onExit(run, code, signal);
        },
      },
    );
    this.#transition({ kind: 'running', generation, pid, startedAt });
    this.emit('spawned', {
      pid,
      generation,
      command: this.#spec.command,
      args: this.#spec.args,
      ipc: child.ipc,
      restarts: this.#restarts,
    });
  }

  async #onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const at = this.#clock.now();
    const exit: ExitInfo = { pid: run.pid, generation: run.generation, code, signal, uptimeMs: at - run.startedAt, at };
    // The child's last lines come out before its exit is reported.
    await lastOutput(run.outputDone, this.#clock);
    const state = this.#state;
    if (state.kind === 'stopping' && state.generation === run.generation) {
      this.#lastExit = exit;
      this.emit('exit', { ...exit, expected: true, reason: state.reason });
      // The sweep keeps the stop deadline from here on.
      this.#timer.cancel();
      // A leader that left when asked over IPC leaves a group that was told nothing yet:
      // the rest of it gets the stop signal, as after a crash, rather than wait for SIGKILL.
      run.sweep = this.#stops.sweepGroup(run, run.groupSignalled ? null : this.#settings.stopSignal);
      await run.sweep;
      this.#timer.cancel();
      const now = this.#state;
      if (now.kind !== 'stopping' || now.generation !== run.generation) return;
      if (now.then === 'restart') this.#spawnNow();
      else this.#transition({ kind: 'stopped', reason: now.reason, lastExit: exit });
      return;
    }
    if ((state.kind === 'running' || state.kind === 'starting') && state.generation === run.generation) {
      this.#lastExit = exit;
      // Leftover grandchildren would hold the port and the pipe: clear them out first.
      run.sweep = this.#stops.sweepGroup(run, this.#settings.stopSignal);
      // The state moves before the exit is reported, so that a listener of 'exit' can
      // call respawn() at once. What comes next is not decided here.
      this.#transition({ kind: 'exited', generation: run.generation, lastExit: exit });
      this.emit('exit', { ...exit, expected: false, reason: undefined });
    }
  }

  #fail(error: SpawnFailedError): void {
    this.#run = undefined;
    this.#transition({ kind: 'failed', error });
    this.emit('spawnFailed', error);
  }

  #transition(to: ChildState): void {
    const from = this.#state;
    this.#state = to;
    if (from.kind !== to.kind) this.emit('state', { from, to });
    // A listener may have moved the state on; that transition has served the waiters.
    if (this.#state === to) this.#waiters.reached(to);
  }

  #until(done: (state: ChildState) => boolean): Promise<void> {
    return this.#waiters.until(this.#state, done);
  }
}
