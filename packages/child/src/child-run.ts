import type { OutputLine } from './events.js';
import type { IpcTrouble } from './ipc-channel.js';
import { relayOutput } from './output-relay.js';
import type { SpawnedProcess } from './spawn.js';

/** One spawned child: its process and what the controller tracks about it. */
export interface Run {
  readonly generation: number;
  readonly process: SpawnedProcess;
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves once stdout and stderr have both ended, their last lines given out. */
  readonly outputDone: Promise<void>;
  /** Set as soon as the leader has exited, before the exit is reported: its pid is gone. */
  leaderExited: boolean;
  /** True once a stop has sent the stop signal or SIGKILL to the whole group. */
  groupSignalled: boolean;
  /** Cleans up the group after the leader exited; set once it has. */
  sweep: Promise<void> | undefined;
}

export interface RunHandlers {
  readonly line: (line: OutputLine) => void;
  readonly message: (message: unknown) => void;
  readonly ipcTrouble: (trouble: IpcTrouble) => void;
  /** The leader exited; `leaderExited` is already set. */
  readonly exit: (run: Run, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Starts tracking a child that has a pid: its output (output-relay.ts), its IPC channel and its exit. */
export function startRun(
  child: SpawnedProcess,
  { pid, generation, startedAt, maxLineBytes }: { pid: number; generation: number; startedAt: number; maxLineBytes: number },
  handlers: RunHandlers,
): Run {
  const outputDone = relayOutput(child, { pid, generation, maxLineBytes }, handlers.line);
  const run: Run = { generation, process: child, pid, startedAt, outputDone, leaderExited: false, groupSignalled: false, sweep: undefined };
  child.onMessage(handlers.message);
  child.onIpcTrouble(handlers.ipcTrouble);
  child.onExit((code, signal) => {
    run.leaderExited = true;
    handlers.exit(run, code, signal);
  });
  return run;
}
