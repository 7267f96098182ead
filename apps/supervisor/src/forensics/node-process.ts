import { readlinkSync } from 'node:fs';
import { isNodeCommand } from '@mpm/child';

/** Which program a process runs, from the kernel, not from its command line. */
export type Executable = { readonly kind: 'node'; readonly path: string } | { readonly kind: 'other'; readonly path: string } | { readonly kind: 'unknown'; readonly reason: string };

/**
 * Whether `pid` runs Node: the basename of /proc/PID/exe (node, nodejs, node20…), the
 * binary the kernel runs whatever the command line said (a shell, npm's node, a setpriv
 * that exec'd). Only a Node process may be sent SIGUSR1: to most others it is fatal.
 */
export function executableOf(pid: number): Executable {
  let path: string;
  try {
    path = readlinkSync(`/proc/${pid}/exe`);
  } catch (error) {
    return { kind: 'unknown', reason: `/proc/${pid}/exe cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  // A binary replaced on disk since it started (an upgrade) reads "… (deleted)".
  const binary = path.replace(/ \(deleted\)$/, '');
  return { kind: isNodeCommand(binary) ? 'node' : 'other', path: binary };
}
