import { describe, expect, it } from '@jest/globals';
import { parseProcStat, readProcStat } from '../src/index.js';

// Real lines of /proc/PID/stat, as the kernel writes them (proc_pid_stat(5)).
const tail = '1 4321 4321 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 11 0 98765 1100000000 12000 18446744073709551615 1 1 0 0 0 0 0 16781312 17976 0 0 0 17 1 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads the named fields of a line', () => {
    expect(parseProcStat(`4321 (node) S ${tail}\n`)).toEqual({ pid: 4321, name: 'node', state: 'S', ppid: 1, pgid: 4321, cpuTicks: 325, threads: 11, startTicks: 98765 });
  });

  it('takes a command name with spaces and parentheses whole, counting the fields from the last parenthesis', () => {
    expect(parseProcStat(`77 (a) b (c) d) Z ${tail}`)).toMatchObject({ pid: 77, name: 'a) b (c) d', state: 'Z', ppid: 1, threads: 11, startTicks: 98765 });
    expect(parseProcStat(`78 () R ${tail}`)).toMatchObject({ name: '', state: 'R' });
  });

  it('gives undefined for text that is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (node S 1 2')).toBeUndefined();
    expect(parseProcStat('12 (node) S 1 2 3')).toBeUndefined();
    expect(parseProcStat(`x (node) S ${tail}`)).toBeUndefined();
  });
});

describe('readProcStat', () => {
  it('reads this process, and nothing for a pid that does not exist', () => {
    expect(readProcStat(process.pid)).toMatchObject({ pid: process.pid, ppid: process.ppid, state: 'R', pgid: expect.any(Number) });
    expect(readProcStat(process.pid)!.threads).toBeGreaterThan(0);
    expect(readProcStat(2 ** 22 + 1)).toBeUndefined();
  });
});
