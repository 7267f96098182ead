import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lastLineEnd, linesBackward } from '../src/logs/backward-lines.js';
import { closeLog, openLog, type OpenLog } from '../src/logs/log-files.js';

let dir: string;
const opened: OpenLog[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-logs-backward-'));
});
afterEach(() => {
  for (const log of opened.splice(0)) closeLog(log);
  rmSync(dir, { recursive: true, force: true });
});

function fileWith(content: string | Buffer): { log: OpenLog; size: number } {
  const path = join(dir, 'app.log');
  writeFileSync(path, content);
  const log = openLog(path)!;
  opened.push(log);
  return { log, size: Buffer.byteLength(content) };
}

function backward(content: string | Buffer, chunkBytes: number, end?: number): string[] {
  const { log, size } = fileWith(content);
  return [...linesBackward(log, end ?? size, chunkBytes)];
}

describe('linesBackward', () => {
  it('gives the lines newest first, whole, whatever the chunk size', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(i % 17)}`);
    const content = lines.map((line) => `${line}\n`).join('');
    for (const chunkBytes of [1, 2, 3, 7, 16, 64, 1024, 65536]) {
      expect(backward(content, chunkBytes)).toEqual([...lines].reverse());
    }
  });

  it('keeps a line longer than many chunks whole', () => {
    const long = 'y'.repeat(10_000);
    expect(backward(`a\n${long}\nb\n`, 100)).toEqual(['b', long, 'a']);
  });

  it('gives a last line without a newline as it is, and no empty line for a final newline', () => {
    expect(backward('a\nb\npartial', 3)).toEqual(['partial', 'b', 'a']);
    expect(backward('a\nb\n', 3)).toEqual(['b', 'a']);
    expect(backward('only', 2)).toEqual(['only']);
  });

  it('gives nothing for an empty file, and keeps empty lines inside the file', () => {
    expect(backward('', 4)).toEqual([]);
    expect(backward('\n', 4)).toEqual(['']);
    expect(backward('a\n\n\nb\n', 2)).toEqual(['b', '', '', 'a']);
  });

  it('does not mangle a character split between two chunks', () => {
    const lines = ['żółć ☃ 🎉', 'ascii', '日本語のログ'];
    const content = lines.map((line) => `${line}\n`).join('');
    for (const chunkBytes of [1, 2, 3, 5]) expect(backward(content, chunkBytes)).toEqual([...lines].reverse());
  });

  it('reads only up to `end`', () => {
    expect(backward('a\nb\nc\n', 2, 4)).toEqual(['b', 'a']);
  });
});

describe('lastLineEnd', () => {
  it('finds the end of the last complete line, looking back across chunks', () => {
    const cases: Array<[string, number]> = [
      ['a\nb\n', 4],
      ['a\nb\nhalf a li', 4],
      ['no newline at all', 0],
      ['', 0],
      [`x\n${'z'.repeat(500)}`, 2],
    ];
    for (const [content, expected] of cases) {
      const { log, size } = fileWith(content);
      expect(lastLineEnd(log, size, 3)).toBe(expected);
    }
  });
});
