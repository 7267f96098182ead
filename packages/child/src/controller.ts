import { EventEmitter } from 'node:events';
import { RestartBackoff } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { SpawnFailedError } from './errors.js';
import type { ChildEvents, OutputStream } from './events.js';
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
}

/** One spawned child: its process and what the controller tracks about it. */
interface Run {
  readonly generation: number;
  readonly process: SpawnedProcess;
  readonly pid: number;
  readonly startedAt: number;
  readonly outputDone: Promise<void>;
  /** Cleans up the group after the leader exited; set once it has. */
  sweep: Promise<void> | undefined;
}

/** How often the group is looked at while waiting for it to empty. */
const GROUP_POLL_MS = 20;
/** How long the exit report waits for the last output of the child to be read. */
const OUTPUT_DRAIN_MS = 100;
/** After SIGKILL the kernel needs a moment; past this we stop waiting for the group. */
const AFTER_KILL_WAIT_MS = 1000;

/**
 * Runs one command as a child process and keeps it running: spawns it in its own process
 * group, relays its output line by line, restarts it with backoff when it exits on its
 * own, and stops it gracefully (stop signal, then SIGKILL to the whole group).
 *
 * Every state change goes through #transition and is reported as a 'state' event.
 */
export class ChildController extends EventEmitter<ChildEvents> {
  #spec: ChildSpec;
  #settings: ChildSettings;
  readonly #clock: Clock;
  readonly #spawn: SpawnFunction;
  readonly #backoff: RestartBackoff;

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
    this.#backoff = new RestartBackoff(this.#backoffSettings());
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

  get hasIpc(): boolean {
    return this.#run?.process.ipc === true && this.pid !== undefined;
  }

  /** Applies new settings; a running child keeps going, the next stop or restart uses them. */
  updateSettings(settings: Partial<ChildSettings>): void {
    this.#settings = Object.freeze({ ...this.#settings, ...settings });
    this.#backoff.update(this.#backoffSettings());
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
   * Stops the child gracefully: stop signal to its process group, SIGKILL after
   * killTimeoutMs. Resolves once no process of the group is left.
   */
  async stop(reason: StopReason = 'operator'): Promise<void> {
    await this.#end(reason, 'stop', this.#settings.killTimeoutMs);
  }

  /** Graceful stop, then a new child at once (no backoff; the crash history is reset). */
  async restart(reason: StopReason = 'operator'): Promise<void> {
    this.#backoff.reset();
    const generation = this.#generation;
    await this.#end(reason, 'restart', this.#settings.killTimeoutMs);
    await this.#until((state) => isSettled(state) || (state.kind === 'running' && state.generation > generation));
  }

  /** SIGKILL to the whole group now. Resolves once the group is gone. */
  async kill(reason: StopReason = 'operator', then: AfterStop = 'stop'): Promise<void> {
    await this.#end(reason, then, 0);
  }

  /** Sends an IPC message to the current child; false when there is no channel. */
  async send(message: unknown): Promise<boolean> {
    const run = this.#run;
    if (run === undefined || this.pid === undefined) return false;
    return run.process.send(message);
  }

  async #end(reason: StopReason, then: AfterStop, graceMs: number): Promise<void> {
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
        return this.#end(reason, then, graceMs);
      case 'backoff': {
        this.#cancelTimer();
        await this.#run?.sweep;
        if (this.#state !== state) return this.#end(reason, then, graceMs);
        if (then === 'restart') this.#spawnNow();
        else this.#transition({ kind: 'stopped', reason, lastExit: this.#lastExit });
        return;
      }
      case 'stopping': {
        const sooner = Math.min(state.deadline, this.#clock.now() + graceMs);
        // A stop during a restart wins; an earlier deadline (a second "stop now") too.
        this.#transition({ ...state, then: then === 'stop' ? 'stop' : state.then, deadline: sooner });
        if (sooner < state.deadline) this.#armKill(state.generation, state.pid, sooner);
        return this.#until((s) => isSettled(s) || s.kind === 'running' || s.kind === 'backoff');
      }
      case 'running': {
        const signal = this.#settings.stopSignal;
        const since = this.#clock.now();
        const deadline = since + graceMs;
        this.#transition({ ...state, kind: 'stopping', reason, then, since, deadline });
        this.emit('stopRequested', {
          pid: state.pid,
          generation: state.generation,
          reason,
          signal: graceMs > 0 ? signal : 'SIGKILL',
          killTimeoutMs: graceMs,
        });
        if (graceMs > 0) {
          signalGroup(state.pid, signal);
          // A stopped (SIGSTOP) child cannot act on the signal until it is continued.
          signalGroup(state.pid, 'SIGCONT');
        }
        this.#armKill(state.generation, state.pid, deadline);
        return this.#until((s) => isSettled(s) || s.kind === 'running' || s.kind === 'backoff');
      }
    }
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
    this.emit('killEscalated', { pid: pgid, generation, afterMs, members });
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
    const startedAt = this.#clock.now();
    const outputDone = Promise.all([
      this.#relay(child.stdout, 'stdout', pid, generation),
      this.#relay(child.stderr, 'stderr', pid, generation),
    ]).then(() => undefined);
    const run: Run = { generation, process: child, pid, startedAt, outputDone, sweep: undefined };
    this.#run = run;
    child.onMessage((message) => this.emit('message', message, generation));
    child.onExit((code, signal) => void this.#onExit(run, code, signal));
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
    await Promise.race([run.outputDone, this.#sleep(OUTPUT_DRAIN_MS)]);
    const state = this.#state;
    if (state.kind === 'stopping' && state.generation === run.generation) {
      this.#lastExit = exit;
      this.emit('exit', { ...exit, expected: true, reason: state.reason });
      // The sweep keeps the stop deadline from here on.
      this.#cancelTimer();
      run.sweep = this.#sweepGroup(run, null);
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
      this.emit('exit', { ...exit, expected: false, reason: undefined });
      // Leftover grandchildren would hold the port and the pipe: clear them out first.
      run.sweep = this.#sweepGroup(run, this.#settings.stopSignal);
      const step = this.#backoff.next(exit.uptimeMs);
      const until = at + step.delayMs;
      this.#transition({ kind: 'backoff', generation: run.generation, until, attempt: step.attempt, delayMs: step.delayMs, lastExit: exit });
      this.emit('restartScheduled', { generation: run.generation, delayMs: step.delayMs, attempt: step.attempt, until });
      const sweep = run.sweep;
      this.#timer = this.#clock.setTimeout(() => {
        void sweep.then(() => {
          const current = this.#state;
          if (current.kind === 'backoff' && current.generation === run.generation) this.#spawnNow();
        });
      }, step.delayMs);
    }
  }

  /**
   * Waits until no live process is left in the child's group; past the stop deadline
   * (or killTimeoutMs for a crash) the rest gets SIGKILL.
   */
  async #sweepGroup(run: Run, signal: NodeJS.Signals | null): Promise<void> {
    const pgid = run.pid;
    if (liveGroupMembers(pgid).length === 0) return;
    if (signal !== null) {
      signalGroup(pgid, signal);
      signalGroup(pgid, 'SIGCONT');
    }
    const state = this.#state;
    const stopping = state.kind === 'stopping' && state.generation === run.generation;
    const graceStart = stopping ? state.since : this.#clock.now();
    const deadline = stopping ? state.deadline : graceStart + this.#settings.killTimeoutMs;
    while (this.#clock.now() < deadline) {
      await this.#sleep(GROUP_POLL_MS);
      if (liveGroupMembers(pgid).length === 0) return;
    }
    this.#killGroup(pgid, run.generation, graceStart);
    const killDeadline = this.#clock.now() + AFTER_KILL_WAIT_MS;
    while (this.#clock.now() < killDeadline && liveGroupMembers(pgid).length > 0) {
      await this.#sleep(GROUP_POLL_MS);
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

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(resolve, ms);
      timer.unref?.();
    });
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #backoffSettings(): ConstructorParameters<typeof RestartBackoff>[0] {
    return {
      initialDelayMs: this.#settings.restartDelayMs,
      maxDelayMs: this.#settings.maxRestartDelayMs,
      minUptimeMs: this.#settings.minUptimeMs,
    };
  }
}
