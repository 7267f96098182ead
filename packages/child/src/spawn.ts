import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { describeSpawnFailure, type SpawnFailedError } from './errors.js';
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
  /** Resolves with the reason the spawn failed, if it did. */
  readonly spawnFailure: Promise<SpawnFailedError | undefined>;
  send(message: unknown): Promise<boolean>;
}

export type SpawnFunction = (spec: ChildSpec) => SpawnedProcess;

/** The supervisor's environment without the names the spec hides, plus the spec's own. */
export function childEnvironment(spec: ChildSpec, inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const hidden = spec.hideEnvPrefix;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && (hidden === undefined || !name.startsWith(hidden))) env[name] = value;
  }
  return { ...env, ...spec.env };
}

/**
 * Starts the child with execa: never through a shell, detached so that it leads its own
 * process group (signals reach grandchildren), stdin closed, output piped unbuffered.
 * Killing and timeouts stay with the controller, so execa's own are off.
 */
export const spawnWithExeca: SpawnFunction = (spec) => {
  const ipc = spec.ipc === 'auto' ? isNodeCommand(spec.command) : spec.ipc;
  const subprocess = execa(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: childEnvironment(spec),
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: false,
    windowsHide: true,
    ...(ipc ? { ipc: true, serialization: 'json' as const } : {}),
  });
  const spawnFailure = subprocess.then((result) =>
    subprocess.pid === undefined ? describeSpawnFailure(spec.command, spec.cwd, result.code, result) : undefined,
  );
  return {
    pid: subprocess.pid,
    // With stdout/stderr 'pipe' both streams exist whenever the spawn succeeded.
    stdout: subprocess.stdout as Readable,
    stderr: subprocess.stderr as Readable,
    ipc,
    onExit: (listener) => void subprocess.once('exit', listener),
    onMessage: (listener) => void subprocess.on('message', listener),
    spawnFailure,
    send: async (message) => {
      if (!ipc || !subprocess.connected) return false;
      try {
        await (subprocess as unknown as { sendMessage(m: unknown): Promise<void> }).sendMessage(message);
        return true;
      } catch {
        return false;
      }
    },
  };
};
