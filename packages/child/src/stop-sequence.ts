import type { Clock } from '@mpm/system';
import type { Run } from './child-run.js';
import type { EscapesEndedEvent, KillEscalatedEvent, StopMethod, StopRequestedEvent } from './events.js';
import { clearGroup } from './group-sweep.js';
import { liveGroupMembers, signalGroup } from './process-group.js';
import type { ChildSettings } from './settings.js';
import { stopIsOver, type AfterStop, type ChildState, type StopReason } from './state.js';
import type { TimerSlot } from './timer-slot.js';

/** What the stop sequence reads and moves of the controller it serves. */
export interface StopHost {
  readonly clock: Clock;
  readonly timer: TimerSlot;
  state(): ChildState;
  settings(): ChildSettings;
  /** The current child's run, if it has one. */
  run(): Run | undefined;
  transition(to: ChildState): void;
  until(done: (state: ChildState) => boolean): Promise<void>;
  spawnNow(): void;
  /** Tells the controller's listeners; the events of the same names. */
  readonly report: {
    stopRequested(event: StopRequestedEvent): void;
    killEscalated(event: KillEscalatedEvent): void;
    escapesEnded(event: EscapesEndedEvent): void;
  };
  /** Whether to end the processes that left the child's group, and which of this process's children to spare. */
  readonly escapes: { readonly end: boolean; readonly exclude: () => ReadonlySet<number> };
}

/**
 * How a child is ended: the stop signal to its process group (or a request, with the
 * signal as the fallback), SIGKILL to the group at the deadline, and after the leader has
 * gone, the wait for the rest of the group (and, if asked, the processes that left it).
 * Whether to stop is not decided here; what runs is the controller's.
 */
export class StopSequence {
  readonly #host: StopHost;

  constructor(host: StopHost) {
    this.#host = host;
  }

  /** Ends the current child (`graceMs` 0: SIGKILL at once), then stops or restarts as `then` says. */
  async end(reason: StopReason, then: AfterStop, graceMs: number, request?: () => Promise<boolean>): Promise<void> {
    const host = this.#host;
    const state = host.state();
    switch (state.kind) {
      case 'idle':
      case 'failed':
      case 'stopped':
        if (then === 'restart' && state.kind !== 'failed') host.spawnNow();
        return;
      case 'starting':
        // The spawn is in flight; stop it once it has a pid (or has failed).
        await host.until((s) => s.kind !== 'starting');
        return this.end(reason, then, graceMs, request);
      case 'exited':
      case 'backoff': {
        host.timer.cancel();
        // The leftovers of the crashed child's group must be gone before anything else.
        await host.run()?.sweep;
        if (host.state() !== state) return this.end(reason, then, graceMs, request);
        if (then === 'restart') host.spawnNow();
        else host.transition({ kind: 'stopped', reason, lastExit: state.lastExit });
        return;
      }
      case 'stopping': {
        const sooner = Math.min(state.deadline, host.clock.now() + graceMs);
        // A stop during a restart wins; an earlier deadline (a second "stop now") too.
        host.transition({ ...state, then: then === 'stop' ? 'stop' : state.then, deadline: sooner });
        if (sooner < state.deadline) this.#armKill(state.generation, state.pid, sooner);
        return host.until(stopIsOver);
      }
      case 'running': {
        const signal = host.settings().stopSignal;
        const since = host.clock.now();
        const deadline = since + graceMs;
        const how: StopMethod = graceMs <= 0 ? 'kill' : request !== undefined ? 'message' : 'signal';
        host.transition({ ...state, kind: 'stopping', reason, then, since, deadline });
        host.report.stopRequested({
          pid: state.pid,
          generation: state.generation,
          reason,
          signal: how === 'kill' ? 'SIGKILL' : signal,
          killTimeoutMs: graceMs,
          how,
        });
        // Armed first: a request that never answers must not keep the child alive.
        this.#armKill(state.generation, state.pid, deadline);
        const run = host.run();
        if (how !== 'message' && run?.generation === state.generation) run.groupSignalled = true;
        if (how === 'signal') {
          signalGroup(state.pid, signal);
          // A stopped (SIGSTOP) child cannot act on the signal until it is continued.
          signalGroup(state.pid, 'SIGCONT');
        } else if (how === 'message' && request !== undefined) {
          // Nor can it read a message.
          signalGroup(state.pid, 'SIGCONT');
          void this.#request(state.generation, state.pid, request, signal);
        }
        return host.until(stopIsOver);
      }
    }
  }

  /**
   * Waits until no live process is left in the group of `run`, whose leader has exited;
   * past the stop deadline (or killTimeoutMs for a crash) the rest gets SIGKILL. `signal`
   * goes to the group first, unless it is null (the group was told already).
   */
  sweepGroup(run: Run, signal: NodeJS.Signals | null): Promise<void> {
    const host = this.#host;
    const state = host.state();
    const stopping = state.kind === 'stopping' && state.generation === run.generation;
    const graceStart = stopping ? state.since : host.clock.now();
    const deadline = stopping ? state.deadline : graceStart + host.settings().killTimeoutMs;
    const kill = (): void => this.#killGroup(run.pid, run.generation, graceStart);
    const escapes = host.escapes.end ? { exclude: host.escapes.exclude, signal: host.settings().stopSignal } : undefined;
    return clearGroup({ pgid: run.pid, signal, deadline, kill }, escapes, host.clock).then((ended) => {
      if (ended !== undefined && ended.found.length > 0) host.report.escapesEnded({ generation: run.generation, ...ended });
    });
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
    const state = this.#host.state();
    // The child may be gone by now; a later child must not get the signal.
    const run = this.#host.run();
    if (state.kind !== 'stopping' || state.generation !== generation || run === undefined || run.leaderExited) return;
    run.groupSignalled = true;
    signalGroup(pid, signal);
    signalGroup(pid, 'SIGCONT');
  }

  #armKill(generation: number, pid: number, deadline: number): void {
    const host = this.#host;
    host.timer.cancel();
    const fire = (): void => {
      const state = host.state();
      if (state.kind !== 'stopping' || state.generation !== generation) return;
      this.#killGroup(pid, generation, state.since);
    };
    const delay = deadline - host.clock.now();
    if (delay <= 0) fire();
    else host.timer.set(fire, delay);
  }

  #killGroup(pgid: number, generation: number, graceStartedAt: number): void {
    const host = this.#host;
    const members = liveGroupMembers(pgid);
    if (members.length === 0) return;
    const afterMs = Math.max(0, host.clock.now() - graceStartedAt);
    signalGroup(pgid, 'SIGKILL');
    // A kill asked for at once (no grace at all) is the plan, not an escalation.
    const state = host.state();
    const immediate = state.kind === 'stopping' && state.generation === generation && state.deadline === state.since;
    if (!immediate) host.report.killEscalated({ pid: pgid, generation, afterMs, members });
  }
}
