// What /proc says about a process: RSS, CPU time, open FDs, and who belongs to a run.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second: 100 on every Linux Node runs on (sysconf(_SC_CLK_TCK)). */
export const CLK_TCK = 100;

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of /proc/PID/stat after the command name, or undefined when the process is gone. */
function statFields(pid) {
  const text = read(`/proc/${pid}/stat`);
  return text === undefined ? undefined : text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Resident memory in MiB, or undefined when the process is gone. */
export function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '');
  return match === null ? undefined : Number(match[1]) / 1024;
}

/**
 * Memory this process alone holds (USS: its private clean and dirty pages) in MiB, or
 * undefined when it is gone. RSS also counts pages it shares, such as node's own code
 * and data when another node process (its child, say) has them mapped too.
 */
export function privateMb(pid) {
  const text = read(`/proc/${pid}/smaps_rollup`);
  if (text === undefined) return undefined;
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
  return (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
}

/** user + system CPU time in clock ticks, or undefined when the process is gone. */
export function cpuTicks(pid) {
  const fields = statFields(pid);
  return fields === undefined ? undefined : Number(fields[11]) + Number(fields[12]);
}

/** One-letter state (R, S, T, Z …), or undefined when the process is gone. */
export function processState(pid) {
  return statFields(pid)?.[0];
}

export function parentPid(pid) {
  const fields = statFields(pid);
  return fields === undefined ? undefined : Number(fields[1]);
}

/** Open file descriptors, or undefined when the process is gone. */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** Where each open FD points (sockets, pipes, files), for telling what grew. */
export function fdTargets(pid) {
  const counts = new Map();
  let names;
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return counts;
  }
  for (const name of names) {
    let target;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${name}`);
    } catch {
      continue;
    }
    const kind = /^(socket|pipe|anon_inode):/.exec(target)?.[1] ?? 'file';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function pids() {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/**
 * Live processes (zombies excluded) whose environment carries `name=value`: every
 * process a run starts inherits its tag, so whatever is left after a run is a leak.
 */
export function taggedProcesses(name, value) {
  const needle = `${name}=${value}`;
  const found = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    const environ = read(`/proc/${pid}/environ`);
    if (environ === undefined || !environ.split('\0').includes(needle)) continue;
    const state = processState(pid);
    if (state === undefined || state === 'Z' || state === 'X') continue;
    const command = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
    found.push({ pid, state, command });
  }
  return found;
}

/** The pids below `root` (children, grandchildren …), from each process's parent pid. */
export function descendants(root) {
  const children = new Map();
  for (const pid of pids()) {
    const parent = parentPid(pid);
    if (parent === undefined) continue;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(pid);
  }
  const found = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
