import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;
/** cgroup v1 says "no limit" with a number near 2^63. */
const NO_LIMIT_BYTES = 2 ** 62;

/**
 * The memory limit of the cgroup this process runs in, in MiB: cgroup v2's memory.max,
 * the lowest from its own group up to the root, or cgroup v1's memory.limit_in_bytes;
 * null when there is none. The child is spawned into the same cgroup, so the kernel's
 * OOM killer acts on that line.
 */
export function cgroupMemoryMaxMb(procSelfCgroup = '/proc/self/cgroup', root = '/sys/fs/cgroup'): number | null {
  let text: string;
  try {
    text = readFileSync(procSelfCgroup, 'utf8');
  } catch {
    return null;
  }
  const candidates: string[] = [];
  const unified = /^0::(\/.*)$/m.exec(text)?.[1];
  if (unified !== undefined) for (const folder of ancestors(unified)) candidates.push(`${root}/${folder}memory.max`);
  const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(\/.*)$/m.exec(text)?.[1];
  // Inside a container the memory hierarchy is mounted at its own group: its root file is the limit.
  if (v1 !== undefined) for (const folder of ancestors(v1)) candidates.push(`${root}/memory/${folder}memory.limit_in_bytes`);
  const limits = candidates.map(readLimit).filter((limit): limit is number => limit !== null);
  return limits.length === 0 ? null : Math.min(...limits);
}

/** "/a/b" → ["a/b/", "a/", ""]: the group and each one above it. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter((part) => part !== '' && part !== '..');
  return parts.map((_, index) => `${parts.slice(0, parts.length - index).join('/')}/`).concat('');
}

function readLimit(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^\d+$/.test(text)) return null;
    const bytes = Number(text);
    return bytes >= NO_LIMIT_BYTES ? null : bytes / MIB;
  } catch {
    return null;
  }
}
