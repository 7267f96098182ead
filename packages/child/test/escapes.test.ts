import { describe, expect, it } from '@jest/globals';
import { liveDescendants, type ProcStat } from '../src/index.js';

const stat = (pid: number, ppid: number, state = 'S'): ProcStat => ({ pid, ppid, state, name: `p${pid}`, pgid: pid, cpuTicks: 0, threads: 1, startTicks: 0 });

describe('liveDescendants', () => {
  const table = [stat(1, 0), stat(10, 1), stat(20, 10), stat(21, 10), stat(30, 20), stat(31, 21, 'Z'), stat(40, 1), stat(50, 30)];

  it('walks the whole tree under a process, zombies left out', () => {
    expect(liveDescendants(10, new Set(), table).sort((a, b) => a - b)).toEqual([20, 21, 30, 50]);
  });

  it('leaves out an excluded process with everything under it', () => {
    expect(liveDescendants(10, new Set([20]), table)).toEqual([21]);
  });

  it('finds nothing under a process without children', () => {
    expect(liveDescendants(40, new Set(), table)).toEqual([]);
  });
});
