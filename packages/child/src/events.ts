import type { SpawnFailedError } from './errors.js';
import type { EscapedProcess } from './escapes.js';
import type { IpcTrouble } from './ipc-channel.js';
import type { LineCut } from './line-splitter.js';
import type { ChildState, ExitInfo, StopReason } from './state.js';

export type OutputStream = 'stdout' | 'stderr';

export interface OutputLine {
  readonly stream: OutputStream;
  readonly text: string;
  readonly pid: number;
  readonly generation: number;
  /** Present when the line was longer than the limit and only its head was kept. */
  readonly cut: LineCut | undefined;
}

export interface SpawnedEvent {
  readonly pid: number;
  readonly generation: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly ipc: boolean;
  /** Restarts so far, this spawn included when it is one. */
  readonly restarts: number;
}

export interface ExitEvent extends ExitInfo {
  /** True when the supervisor asked for it (stop, restart); false for a crash. */
  readonly expected: boolean;
  readonly reason: StopReason | undefined;
}

export interface RestartScheduledEvent {
  readonly generation: number;
  readonly delayMs: number;
  readonly attempt: number;
  readonly until: number;
}

export interface KillEscalatedEvent {
  readonly pid: number;
  readonly generation: number;
  /** How long the group had to stop after the stop signal. */
  readonly afterMs: number;
  /** Members of the group still alive when SIGKILL was sent. */
  readonly members: readonly number[];
}

export interface EscapesEndedEvent {
  readonly generation: number;
  /** Processes that had left the child's process group and outlived it. */
  readonly found: readonly EscapedProcess[];
  /** Those that ignored the stop signal and got SIGKILL. */
  readonly killed: readonly number[];
}

/**
 * How a child is asked to stop: its stop signal to the group; a message over IPC (the
 * stop signal only if that request fails); or SIGKILL to the group at once.
 */
export type StopMethod = 'signal' | 'message' | 'kill';

export interface StopRequestedEvent {
  readonly pid: number;
  readonly generation: number;
  readonly reason: StopReason;
  /** The stop signal (for 'message', the one sent if the request fails); SIGKILL for 'kill'. */
  readonly signal: NodeJS.Signals;
  readonly killTimeoutMs: number;
  readonly how: StopMethod;
}

export interface StateChange {
  readonly from: ChildState;
  readonly to: ChildState;
}

/** Everything the controller reports, as node:events listener argument tuples. */
export interface ChildEvents {
  state: [StateChange];
  spawned: [SpawnedEvent];
  line: [OutputLine];
  exit: [ExitEvent];
  restartScheduled: [RestartScheduledEvent];
  stopRequested: [StopRequestedEvent];
  killEscalated: [KillEscalatedEvent];
  escapesEnded: [EscapesEndedEvent];
  spawnFailed: [SpawnFailedError];
  /** An IPC message from the child, with the generation of the child that sent it. */
  message: [unknown, number];
  /** A line on the IPC channel that is not JSON, or one over the size limit (the channel is no longer read). */
  ipcTrouble: [IpcTrouble, number];
}
