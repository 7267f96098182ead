import type { Duplex, Readable } from 'node:stream';
import { execa } from 'execa';
import { describeSpawnFailure, type SpawnFailedError } from './errors.js';
import { IPC_CHILD_ENV, IPC_FD, IpcChannel, type IpcTrouble } from './ipc-channel.js';
import { commandWouldStart } from './command/find-program.js';
import { parentDeathWrapper } from './parent-death.js';
import { isNodeCommand, type ChildSpec } from './settings.js';

/** The narrow view of a running child that the controller needs. */
export interface SpawnedProcess {
  /** Undefined when the operating system refused to start it; known at once otherwise. */
  readonly pid: number | undefined;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly ipc: boolean;
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  onMessage(listener: (message: unknown) => void): void;
  /** A line on the IPC channel that is not JSON, or one over the size limit (reading stops). */
  onIpcTrouble(listener: (trouble: IpcTrouble) => void): void;
  /** False once the channel stopped being read (or there is none). */
  readonly ipcOpen: boolean;
  /** Resolves with the reason the spawn failed, if it did. */
  readonly spawnFailure: Promise<SpawnFailedError | undefined>;
  send(message: unknown): Promise<boolean>;
}

export type SpawnFunction = (spec: ChildSpec) => SpawnedProcess;

/** The supervisor's environment without the names the spec hides, plus the spec's own; the spec's nodeOptions ahead of NODE_OPTIONS. */
export function childEnvironment(spec: ChildSpec, inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const hidden = spec.hideEnvPrefix;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && (hidden === undefined || !name.startsWith(hidden))) env[name] = value;
  }
  const merged: Record<string, string> = { ...env, ...spec.env };
  const added = spec.nodeOptions ?? [];
  if (added.length > 0) merged['NODE_OPTIONS'] = [...added, merged['NODE_OPTIONS'] ?? ''].join(' ').trim();
  return merged;
}

/**
 * Starts the child with execa: never through a shell, detached so that it leads its own
 * process group (signals reach grandchildren), stdin closed, output piped unbuffered;
 * behind `setpriv --pdeathsig SIGKILL` where util-linux has it (parent-death.ts).
 * Killing and timeouts stay with the controller, so execa's own are off.
 *
 * The IPC channel is a plain socket on fd 3 that the child's Node opens as its channel
 * (IPC_CHILD_ENV) and that the supervisor reads itself (IpcChannel), with a size bound;
 * execa's and Node's own IPC would buffer without limit and throw on a line that is not JSON.
 */
export const spawnWithExeca: SpawnFunction = (spec) => {
  const ipc = spec.ipc === 'auto' ? isNodeCommand(spec.command) : spec.ipc;
  const env = childEnvironment(spec);
  // A variable left from a parent's own channel must never point a child at the wrong fd.
  delete env['NODE_CHANNEL_FD'];
  delete env['NODE_CHANNEL_SERIALIZATION_MODE'];
  // Killed with the supervisor, even by SIGKILL: a child left behind would keep the port.
  const wrapper = parentDeathWrapper();
  const { command, args } = wrapper !== undefined && commandWouldStart(spec.command, spec.cwd, env['PATH']) ? wrapper.wrap(spec.command, spec.args) : { command: spec.command, args: [...spec.args] };
  const subprocess = execa(command, args, {
    cwd: spec.cwd,
    env: ipc ? { ...env, ...IPC_CHILD_ENV } : env,
    extendEnv: false,
    detached: true,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: false,
    windowsHide: true,
  });
  const socket = ipc ? (subprocess.stdio[IPC_FD] as unknown as Duplex | undefined) : undefined;
  const channel = socket === undefined ? undefined : new IpcChannel(socket);
  if (channel !== undefined) subprocess.once('exit', () => channel.destroy());
  const spawnFailure = subprocess.then((result) => (subprocess.pid === undefined ? describeSpawnFailure(spec.command, spec.cwd, result.code, result) : undefined));
  return {
    pid: subprocess.pid,
    // With stdout/stderr 'pipe' both streams exist whenever the spawn succeeded.
    stdout: subprocess.stdout as Readable,
    stderr: subprocess.stderr as Readable,
    ipc: channel !== undefined,
    get ipcOpen() {
      return channel?.open === true;
    },
    onExit: (listener) => void subprocess.once('exit', listener),
    onMessage: (listener) => channel?.onMessage(listener),
    onIpcTrouble: (listener) => channel?.onTrouble(listener),
    spawnFailure,
    send: (message) => Promise.resolve(channel?.send(message) === true),
  };
};
