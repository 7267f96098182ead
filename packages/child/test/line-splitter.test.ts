import { describe, expect, it } from '@jest/globals';
import { LineSplitter, type LineCut } from '../src/index.js';

function collect(maxLineBytes?: number): { splitter: LineSplitter; lines: Array<[string, LineCut | undefined]> } {
  const lines: Array<[string, LineCut | undefined]> = [];
  const splitter = new LineSplitter((text, cut) => lines.push([text, cut]), maxLineBytes);
  return { splitter, lines };
}

describe('LineSplitter', () => {
  it('hands on whole lines in order, across chunk boundaries', () => {
    const { splitter, lines } = collect();
    splitter.push(Buffer.from('one\ntw'));
    splitter.push(Buffer.from('o\nthree\n\nfo'));
    splitter.push(Buffer.from('ur\n'));
    expect(lines.map(([text]) => text)).toEqual(['one', 'two', 'three', '', 'four']);
    expect(splitter.bufferedBytes).toBe(0);
  });

  it('keeps a partial last line until flush', () => {
    const { splitter, lines } = collect();
    splitter.push(Buffer.from('done\nno newline at the end'));
    expect(lines).toEqual([['done', undefined]]);
    splitter.flush();
    expect(lines).toEqual([
      ['done', undefined],
      ['no newline at the end', undefined],
    ]);
    splitter.flush();
    expect(lines).toHaveLength(2);
  });

  it('strips a carriage return before the newline', () => {
    const { splitter, lines } = collect();
    splitter.push(Buffer.from('windows\r\nsplit\r'));
    splitter.push(Buffer.from('\n'));
    expect(lines.map(([text]) => text)).toEqual(['windows', 'split']);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const { splitter, lines } = collect();
    const bytes = Buffer.from('grüße 👋\n');
    splitter.push(bytes.subarray(0, 4));
    splitter.push(bytes.subarray(4, 11));
    splitter.push(bytes.subarray(11));
    expect(lines).toEqual([['grüße 👋', undefined]]);
  });

  it('cuts an overlong line, holds no more than the limit, and marks it', () => {
    const { splitter, lines } = collect(16);
    for (let i = 0; i < 100; i += 1) {
      splitter.push(Buffer.from('x'.repeat(1000)));
      expect(splitter.bufferedBytes).toBeLessThanOrEqual(16);
    }
    splitter.push(Buffer.from('\nnext\n'));
    expect(lines).toEqual([
      ['x'.repeat(16), { originalBytes: 100_000 }],
      ['next', undefined],
    ]);
  });

  it('cuts an overlong line that arrives in one chunk', () => {
    const { splitter, lines } = collect(8);
    splitter.push(Buffer.from('0123456789abcdef\nok\n'));
    expect(lines).toEqual([
      ['01234567', { originalBytes: 16 }],
      ['ok', undefined],
    ]);
  });

  it('cuts at a character boundary, never inside a UTF-8 sequence', () => {
    const { splitter, lines } = collect(5);
    splitter.push(Buffer.from('abcd€uro\n'));
    expect(lines).toEqual([['abcd', { originalBytes: 10 }]]);
  });

  it('a line of exactly the limit is not cut', () => {
    const { splitter, lines } = collect(4);
    splitter.push(Buffer.from('abcd\nab'));
    splitter.push(Buffer.from('cd\n'));
    expect(lines).toEqual([
      ['abcd', undefined],
      ['abcd', undefined],
    ]);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new LineSplitter(() => undefined, 0)).toThrow(/maxLineBytes/);
  });
});
