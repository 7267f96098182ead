import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { procStats } from '@mpm/child';

/**
 * The supervisor as a container's entrypoint: PID 1 of a new PID namespace, made with
 * unshare(1) (as root; otherwise in a user namespace of its own). `--kill-child` takes
 * the namespace down if the test kills unshare.
 */
export function pid1Launcher(): string[] {
  const user = process.getuid!() === 0 ? [] : ['--user', '--map-root-user'];
  return ['unshare', ...user, '--pid', '--fork', '--kill-child', '--mount-proc'];
}

/** The host pid of the supervisor: the one child of unshare. */
export function supervisorHostPid(launcherPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8').trim();
    return children === '' ? undefined : Number(children.split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** Host pids of every process in the PID namespace of `pid`. */
export function namespaceMembers(pid: number): number[] {
  const namespace = readlinkSync(`/proc/${pid}/ns/pid`);
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === namespace) members.push(Number(entry));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return members;
}

export function zombieChildrenOf(pid: number): number[] {
  return procStats()
    .filter((stat) => stat.ppid === pid && stat.state === 'Z')
    .map((stat) => stat.pid);
}
