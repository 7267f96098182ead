import { EventEmitter } from 'node:events';
import { startRun, type Run } from './child-run.js';
import { sleep, systemClock, type Clock, type TimerHandle } from '@mpm/system';
import { assertRespawnPlan, type ChildControllerOptions, type RespawnPlan, type StopOptions } from './controller-options.js';
import { SpawnFailedError } from './errors.js';
import type { ChildEvents, StopMethod } from './events.js';
import { clearGroup } from './group-sweep.js';
import { liveGroupMembers, signalGroup } from './process-group.js';
import { DEFAULT_CHILD_SETTINGS, type ChildSettings, type ChildSpec } from './settings.js';
import { spawnWithExeca, type SpawnFunction, type SpawnedProcess } from './spawn.js';
import { isSettled, stopIsOver, type AfterStop, type ChildState, type ExitInfo, type StopReason } from './state.js';
import { StateWaiters } from './state-waiters.js';

/** How long the exit report waits for the last output of the child to be read. */
const OUTPUT_DRAIN_MS = 100;

/**
 * Runs one command as a child process: spawns it in its own process group, relays its
 * output line by line, reports when it exits on its own and brings it back when told to
 * (respawn), and stops it gracefully (stop signal or a request, then SIGKILL to the whole
 * group). It decides nothing about restarts: that is the recovery package's job.
 *
 * Every state change goes through #transition and is reported as a 'state' event.
 */
export class ChildController extends EventEmitter<ChildEvents> {
  #spec: ChildSpec;
  #settings: ChildSettings;
  readonly #clock: Clock;
  readonly #spawn: SpawnFunction;
  readonly #endEscapes: boolean;
  readonly #otherChildren: () => Iterable<number>;
  /** Children spawned whose exit Node has not collected yet: never anyone else's to reap. */
  readonly #unreaped = new Set<number>();

  #state: ChildState = { kind: 'idle' };
  #generation = 0;
  #restarts = 0;
  #run: Run | undefined;
  #timer: TimerHandle | undefined;
  #lastExit: ExitInfo | null = null;
  readonly #waiters = new StateWaiters<ChildState>();

  constructor(options: ChildControllerOptions) {
    super();
    this.#spec = options.spec;
    this.#settings = Object.freeze({ ...DEFAULT_CHILD_SETTINGS, ...options.settings });
    this.#clock = options.clock ?? systemClock;
    this.#spawn = options.spawn ?? spawnWithExeca;
    this.#endEscapes = options.endEscapes ?? false;
    this.#otherChildren = options.otherChildren ?? (() => []);
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
    await this.#end(reason, 'stop', this.#settings.killTimeoutMs, options.request);
  }

  /** Graceful stop as stop() does, then a new child at once, without waiting. */
  async restart(reason: StopReason = 'operator', options: StopOptions = {}): Promise<void> {
    const generation = this.#generation;
    await this.#end(reason, 'restart', this.#settings.killTimeoutMs, options.request);
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
    const timer = this.#clock.setTimeout(() => {
      void sweep.then(() => {
        // A stop or restart that came in the meantime has cancelled the timer, though the
        // state stays 'backoff' until it has waited for the same sweep.
        if (this.#state === backoff && this.#timer === timer) this.#spawnNow();
      });
    }, delayMs);
    this.#timer = timer;
    return true;
  }

  /** SIGKILL to the whole group now. Resolves once the group is gone. */
  async kill(reason: StopReason = 'operator', then: AfterStop = 'stop'): Promise<void> {
    await this.#end(reason, then, 0);
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

  async #end(reason: StopReason, then: AfterStop, graceMs: number, request?: () => Promise<boolean>): Promise<void> {
    const state = this.#state;
    switch (state.kind) {
      case 'idle':
      case 'failed':
      case 'stopped':
        if (then === 'restart' && state.kind !== 'failed') this.#spawnNow();
        return;
      case 'starting':
        // The spawn is in flight; stop it once it has a pid (or has failed).
        await this.#until((s) => s.kind !== 'starting');
        return this.#end(reason, then, graceMs, request);
      case 'exited':
      case 'backoff': {
        this.#cancelTimer();
        // The leftovers of the crashed child's group must be gone before anything else.
        await this.#run?.sweep;
        if (this.#state !== state) return this.#end(reason, then, graceMs, request);
        if (then === 'restart') this.#spawnNow();
        else this.#transition({ kind: 'stopped', reason, lastExit: state.lastExit });
        return;
      }
      case 'stopping': {
        const sooner = Math.min(state.deadline, this.#clock.now() + graceMs);
        // A stop during a restart wins; an earlier deadline (a second "stop now") too.
        this.#transition({ ...state, then: then === 'stop' ? 'stop' : state.then, deadline: sooner });
        if (sooner < state.deadline) this.#armKill(state.generation, state.pid, sooner);
        return this.#until(stopIsOver);
      }
      case 'running': {
        const signal = this.#settings.stopSignal;
        const since = this.#clock.now();
        const deadline = since + graceMs;
        const how: StopMethod = graceMs <= 0 ? 'kill' : request !== undefined ? 'message' : 'signal';
        this.#transition({ ...state, kind: 'stopping', reason, then, since, deadline });
        this.emit('stopRequested', {
          pid: state.pid,
          generation: state.generation,
          reason,
          signal: how === 'kill' ? 'SIGKILL' : signal,
          killTimeoutMs: graceMs,
          how,
        });
        // Armed first: a request that never answers must not keep the child alive.
        this.#armKill(state.generation, state.pid, deadline);
        if (how !== 'message' && this.#run?.generation === state.generation) this.#run.groupSignalled = true;
        if (how === 'signal') {
          signalGroup(state.pid, signal);
          // A stopped (SIGSTOP) child cannot act on the signal until it is continued.
          signalGroup(state.pid, 'SIGCONT');
        } else if (how === 'message' && request !== undefined) {
          // Nor can it read a message.
          signalGroup(state.pid, 'SIGCONT');
          void this.#request(state.generation, state.pid, request, signal);
        }
        return this.#until(stopIsOver);
      }
    }
  }

  /** Asks the child to shut down; if it will not say yes, the stop signal goes out after all. */
  async #request(generation: number, pid: number, request: () => Promise<boolean>, signal: NodeJS.Signals): Promise<void> {
    let accepted: boolean;
    try {
      accepted = (await request()) === true;
    } catch {
      // A failed request (no channel, the child gone) is a "no": the signal is the fallback.
      accepted = false;
    }
    if (accepted) return;
    const state = this.#state;
    // The child may be gone by now; a later child must not get the signal.
    const run = this.#run;
    if (state.kind !== 'stopping' || state.generation !== generation || run === undefined || run.leaderExited) return;
    run.groupSignalled = true;
    signalGroup(pid, signal);
    signalGroup(pid, 'SIGCONT');
  }

  #armKill(generation: number, pid: number, deadline: number): void {
    this.#cancelTimer();
    const fire = (): void => {
      const state = this.#state;
      if (state.kind !== 'stopping' || state.generation !== generation) return;
      this.#killGroup(pid, generation, state.since);
    };
    const delay = deadline - this.#clock.now();
    if (delay <= 0) fire();
    else this.#timer = this.#clock.setTimeout(fire, delay);
  }

  #killGroup(pgid: number, generation: number, graceStartedAt: number): void {
    const members = liveGroupMembers(pgid);
    if (members.length === 0) return;
    const afterMs = Math.max(0, this.#clock.now() - graceStartedAt);
    signalGroup(pgid, 'SIGKILL');
    // A kill asked for at once (no grace at all) is the plan, not an escalation.
    const state = this.#state;
    const immediate = state.kind === 'stopping' && state.generation === generation && state.deadline === state.since;
    if (!immediate) this.emit('killEscalated', { pid: pgid, generation, afterMs, members });
  }

  #spawnNow(): void {
    this.#cancelTimer();
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
    this.#run = startRun(child, { pid, generation, startedAt, maxLineBytes: this.#settings.maxLineBytes }, {
      line: (line) => this.emit('line', line),
      message: (message) => this.emit('message', message, generation),
      ipcTrouble: (trouble) => this.emit('ipcTrouble', trouble, generation),
      exit: (run, code, signal) => {
        this.#unreaped.delete(pid);
        void this.#onExit(run, code, signal);
      },
    });
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
    // Let the child's last lines come out before the exit is reported; a grandchild that
    // keeps the pipe open must not delay the report for long.
    await Promise.race([run.outputDone, sleep(this.#clock, OUTPUT_DRAIN_MS)]);
    const state = this.#state;
    if (state.kind === 'stopping' && state.generation === run.generation) {
      this.#lastExit = exit;
      this.emit('exit', { ...exit, expected: true, reason: state.reason });
      // The sweep keeps the stop deadline from here on.
      this.#cancelTimer();
      // A leader that left when asked over IPC leaves a group that was told nothing yet:
      // the rest of it gets the stop signal, as after a crash, rather than wait for SIGKILL.
      run.sweep = this.#sweepGroup(run, run.groupSignalled ? null : this.#settings.stopSignal);
      await run.sweep;
      this.#cancelTimer();
      const now = this.#state;
      if (now.kind !== 'stopping' || now.generation !== run.generation) return;
      if (now.then === 'restart') this.#spawnNow();
      else this.#transition({ kind: 'stopped', reason: now.reason, lastExit: exit });
      return;
    }
    if ((state.kind === 'running' || state.kind === 'starting') && state.generation === run.generation) {
      this.#lastExit = exit;
      // Leftover grandchildren would hold the port and the pipe: clear them out first.
      run.sweep = this.#sweepGroup(run, this.#settings.stopSignal);
      // The state moves before the exit is reported, so that a listener of 'exit' can
      // call respawn() at once. What comes next is not decided here.
      this.#transition({ kind: 'exited', generation: run.generation, lastExit: exit });
      this.emit('exit', { ...exit, expected: false, reason: undefined });
    }
  }

  /**
   * Waits until no live process is left in the child's group; past the stop deadline
   * (or killTimeoutMs for a crash) the rest gets SIGKILL.
   */
  #sweepGroup(run: Run, signal: NodeJS.Signals | null): Promise<void> {
    const state = this.#state;
    const stopping = state.kind === 'stopping' && state.generation === run.generation;
    const graceStart = stopping ? state.since : this.#clock.now();
    const deadline = stopping ? state.deadline : graceStart + this.#settings.killTimeoutMs;
    const kill = (): void => this.#killGroup(run.pid, run.generation, graceStart);
    const exclude = (): ReadonlySet<number> => new Set([...this.#unreaped, ...this.#otherChildren()]);
    const escapes = this.#endEscapes ? { exclude, signal: this.#settings.stopSignal } : undefined;
    return clearGroup({ pgid: run.pid, signal, deadline, kill }, escapes, this.#clock).then((ended) => {
      if (ended !== undefined && ended.found.length > 0) this.emit('escapesEnded', { generation: run.generation, ...ended });
    });
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

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
