import { spawn, type ChildProcess } from 'node:child_process';

export type GrandchildKind = 'plain' | 'stubborn';

// Runs in the grandchild. A long interval keeps it alive; a stubborn one shrugs off
// SIGTERM so only SIGKILL (or a group kill with escalation) ends it.
function grandchildCode(kind: GrandchildKind): string {
  const stubborn = kind === 'stubborn' ? "process.on('SIGTERM', () => process.stdout.write('demo-grandchild ignoring SIGTERM\\n'));" : '';
  return `${stubborn}
setInterval(() => {}, 1 << 30);
process.stdout.write('demo-grandchild pid=' + process.pid + '\\n');`;
}

/**
 * Spawns a Node grandchild in our process group (not detached) sharing our stdio. It is
 * never killed by us: cleaning up the group is the supervisor's job, and what tests check.
 */
export function spawnGrandchild(kind: GrandchildKind): ChildProcess {
  return spawn(process.execPath, ['-e', grandchildCode(kind)], { stdio: 'inherit' });
}
