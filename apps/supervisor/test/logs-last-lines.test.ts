import { linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { LogFileReadError } from '../src/logs/errors.js';
import { readLastLines, type LastLinesOptions } from '../src/logs/last-lines.js';
import { closeLog } from '../src/logs/log-files.js';
import { sourceFilter } from '../src/logs/log-line.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-logs-last-'));
  path = join(dir, 'app.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function record(source: 'child' | 'supervisor', message: string): string {
  return JSON.stringify({ timestamp: '2026-01-02T03:04:05.678Z', level: 'info', source, ...(source === 'child' ? { stream: 'stdout' } : {}), pid: 42, message });
}

/** Writes `app.log.N` … `app.log` with the lines given, oldest file first. */
function writeRotated(files: readonly (readonly string[])[]): void {
  files.forEach((lines, i) => {
    const index = files.length - 1 - i;
    writeFileSync(index === 0 ? path : `${path}.${index}`, lines.map((line) => `${line}\n`).join(''));
  });
}

function last(options: Partial<LastLinesOptions> & { count: number }): string[] {
  const result = readLastLines(path, { matches: () => true, completeOnly: false, chunkBytes: 16, ...options });
  closeLog(result.current);
  return result.lines.map((line) => line.text);
}

describe('readLastLines', () => {
  it('takes the last lines of the current file when it has enough', () => {
    writeRotated([
      ['old 1', 'old 2'],
      ['a', 'b', 'c', 'd'],
    ]);
    expect(last({ count: 3 })).toEqual(['b', 'c', 'd']);
  });

  it('goes on into .1, .2 … when the current file has too few, oldest first', () => {
    writeRotated([['x1', 'x2'], ['y1', 'y2', 'y3'], ['z1']]);
    expect(last({ count: 3 })).toEqual(['y2', 'y3', 'z1']);
    expect(last({ count: 5 })).toEqual(['x2', 'y1', 'y2', 'y3', 'z1']);
    expect(last({ count: 100 })).toEqual(['x1', 'x2', 'y1', 'y2', 'y3', 'z1']);
  });

  it('prints nothing for -n 0, and handles an empty current file', () => {
    writeRotated([['a'], []]);
    expect(last({ count: 0 })).toEqual([]);
    expect(last({ count: 2 })).toEqual(['a']);
  });

  it('counts only the lines of the source asked for, across files', () => {
    writeRotated([
      [record('child', 'c1'), record('supervisor', 's1'), record('child', 'c2')],
      [record('supervisor', 's2'), record('child', 'c3'), record('supervisor', 's3')],
    ]);
    const child = readLastLines(path, { count: 2, matches: sourceFilter('child'), completeOnly: false });
    closeLog(child.current);
    expect(child.lines.map((line) => line.record?.message)).toEqual(['c2', 'c3']);
    const supervisor = readLastLines(path, { count: 10, matches: sourceFilter('supervisor'), completeOnly: false });
    closeLog(supervisor.current);
    expect(supervisor.lines.map((line) => line.record?.message)).toEqual(['s1', 's2', 's3']);
  });

  it('keeps lines that are not JSON records, whatever the source asked for', () => {
    writeRotated([[record('supervisor', 's1'), 'not json {', '{"half": ', record('child', 'c1')]]);
    expect(last({ count: 10, matches: sourceFilter('child') })).toEqual(['not json {', '{"half": ', record('child', 'c1')]);
  });

  it('leaves out an unfinished last line for -f and says where the complete lines end', () => {
    writeFileSync(path, 'a\nb\nhalf');
    const result = readLastLines(path, { count: 5, matches: () => true, completeOnly: true });
    closeLog(result.current);
    expect(result.lines.map((line) => line.text)).toEqual(['a', 'b']);
    expect(result.end).toBe(4);
    expect(last({ count: 5 })).toEqual(['a', 'b', 'half']);
  });

  it('skips a rotated file that is the file it just read (a rotation while reading)', () => {
    writeRotated([['x1'], ['y1']]);
    // `.1` is the current file under a second name, as right after a rotation's rename; the real predecessor is `.2`.
    writeFileSync(`${path}.2`, 'x1\n');
    rmSync(`${path}.1`);
    linkSync(path, `${path}.1`);
    expect(last({ count: 5 })).toEqual(['x1', 'y1']);
  });

  it('fails with a one-line error naming the file when it is missing or a folder', () => {
    expect(() => readLastLines(path, { count: 1, matches: () => true, completeOnly: false })).toThrow(LogFileReadError);
    expect(() => readLastLines(path, { count: 1, matches: () => true, completeOnly: false })).toThrow(`cannot read log file ${path}: no such file`);
    expect(() => readLastLines(dir, { count: 1, matches: () => true, completeOnly: false })).toThrow(`cannot read log file ${dir}: it is a folder, not a file`);
  });
});
