import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { SpawnFailedError } from './errors.js';
import { sweepEscapes } from './escapes.js';
import type { ChildEvents, OutputStream, StopMethod } from './events.js';
import { sleep, sweepGroup } from './group-sweep.js';
import { LineSplitter } from './line-splitter.js';
import { liveGroupMembers, signalGroup } from './process-group.js';
import { DEFAULT_CHILD_SETTINGS, type ChildSettings, type ChildSpec } from './settings.js';
import { spawnWithExeca, type SpawnFunction, type SpawnedProcess } from './spawn.js';
import { isSettled, type AfterStop, type ChildState, type ExitInfo, type StopReason } from './state.js';

export interface ChildControllerOptions {
  readonly spec: ChildSpec;
  readonly settings?: Partial<ChildSettings>;
  readonly clock?: Clock;
  readonly spawn?: SpawnFunction;
  /**
   * After the child's group is gone, also end this process's other descendants: the ones
   * that left the group (setsid) and were handed to this process, a child subreaper.
   */
  readonly endEscapes?: boolean;
}

/** When to bring back a child that exited on its own; decided outside the controller. */
export interface RespawnPlan {
  readonly delayMs: number;
  /** Which restart in a row this is, as the caller counts them; only reported. */
  readonly attempt: number;
}

export interface StopOptions {
  /**
   * Asks the child to shut down by itself (an IPC message, typically); resolves true when
   * the child took the request. When it resolves false or rejects, the stop signal goes
   * out as usual. The SIGKILL deadline runs either way.
   */
  readonly request?: () => Promise<boolean>;
}

/** One spawned child: its process and what the controller tracks about it. */
interface Run {
  readonly generation: number;
  readonly process: SpawnedProcess;
  readonly pid: number;
  readonly startedAt: number;
  readonly outputDone: Promise<void>;
  /** Set as soon as the leader has exited, before the exit is reported: its pid is gone. */
  leaderExited: boolean;
  /** True once a stop has sent the stop signal or SIGKILL to the whole group. */
  groupSignalled: boolean;
  /** Cleans up the group after the leader exited; set once it has. */
  sweep: Promise<void> | undefined;
}

/** How long the exit report waits for the last output of the child to be read. */
const OUTPUT_DRAIN_MS = 100;
/** The least time processes that escaped the group get between the stop signal and SIGKILL. */
const ESCAPE_GRACE_MS = 1000;
/** A longer delay makes setTimeout fire at once (and warn), so respawn() refuses it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A stop or restart is over once the child is gone for good, or its successor runs. */
function stopIsOver(state: ChildState): boolean {
  return isSettled(state) || state.kind === 'running' || state.kind === 'exited' || state.kind === 'backoff';
}

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
  /** Children spawned whose exit Node has not collected yet: never anyone else's to reap. */
  readonly #unreaped = new Set<number>();

  #state: ChildState = { kind: 'idle' };
  #generation = 0;
  #restarts = 0;
  #run: Run | undefined;
  #timer: TimerHandle | undefined;
  #lastExit: ExitInfo | null = null;
  #waiters: Array<{ done: (state: ChildState) => boolean; resolve: () => void }> = [];

  constructor(options: ChildControllerOptions) {
    super();
    this.#spec = options.spec;
    this.#settings = Object.freeze({ ...DEFAULT_CHILD_SETTINGS, ...options.settings });
    this.#clock = options.clock ?? systemClock;
    this.#spawn = options.spawn ?? spawnWithExeca;
    this.#endEscapes = options.endEscapes ?? false;
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
    const { delayMs, attempt } = plan;
    if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_TIMER_MS) {
      throw new RangeError(`respawn delayMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${String(delayMs)}`);
    }
    if (!Number.isInteger(attempt) || attempt < 1) {
      throw new RangeError(`respawn attempt must be a whole number from 1, got ${String(attempt)}`);
    }
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
    const outputDone = Promise.all([
      this.#relay(child.stdout, 'stdout', pid, generation),
      this.#relay(child.stderr, 'stderr', pid, generation),
    ]).then(() => undefined);
    const run: Run = { generation, process: child, pid, startedAt, outputDone, leaderExited: false, groupSignalled: false, sweep: undefined };
    this.#run = run;
    child.onMessage((message) => this.emit('message', message, generation));
    child.onIpcTrouble((trouble) => this.emit('ipcTrouble', trouble, generation));
    child.onExit((code, signal) => {
      run.leaderExited = true;
      this.#unreaped.delete(pid);
      void this.#onExit(run, code, signal);
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

  #relay(stream: SpawnedProcess['stdout'], name: OutputStream, pid: number, generation: number): Promise<void> {
    const splitter = new LineSplitter(
      (text, cut) => this.emit('line', { stream: name, text, pid, generation, cut }),
      this.#settings.maxLineBytes,
    );
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    return new Promise((resolve) => {
      const done = (): void => {
        splitter.flush();
        resolve();
      };
      stream.once('end', done);
      stream.once('error', done);
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
    const group = sweepGroup({ pgid: run.pid, signal, deadline, kill }, this.#clock);
    if (!this.#endEscapes) return group;
    return group.then(() => this.#sweepEscapes(run, deadline));
  }

  /** Ends what left the child's group; a child that is already running again is left alone. */
  async #sweepEscapes(run: Run, deadline: number): Promise<void> {
    const own = this.#unreaped;
    const result = await sweepEscapes(
      { root: process.pid, exclude: () => own, signal: this.#settings.stopSignal, deadline: Math.max(deadline, this.#clock.now() + ESCAPE_GRACE_MS) },
      this.#clock,
    );
    if (result.found.length > 0) this.emit('escapesEnded', { generation: run.generation, found: result.found, killed: result.killed });
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
    if (this.#state !== to) return;
    const pending = this.#waiters;
    this.#waiters = [];
    for (const waiter of pending) {
      if (waiter.done(to)) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  #until(done: (state: ChildState) => boolean): Promise<void> {
    if (done(this.#state)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ done, resolve }));
  }



  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
