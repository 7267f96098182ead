import { Writable } from 'node:stream';
import type { OutputLine } from '@mpm/child';
import { describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { childLineJson, childLineWriter, chunkClock } from '../src/logging/child-lines.js';
import { jsonLine, stamp } from '../src/logging/formats.js';
import { LineBatch, BATCH_CHARS } from '../src/logging/line-batch.js';
import { MESSAGE, type LogInfo } from '../src/logging/record.js';

const line = (text: string, overrides: Partial<OutputLine> = {}): OutputLine => ({ stream: 'stdout', text, pid: 4242, generation: 1, cut: undefined, ...overrides });

/** What the logger's own pipeline makes of `logger.info(text, fields)` for a child line. */
function throughFormats(output: OutputLine, timestamp: string): string {
  const fields = { source: 'child', stream: output.stream, pid: output.pid, ...(output.cut === undefined ? {} : { truncated: true, originalBytes: output.cut.originalBytes }) };
  const info = { ...fields, level: 'info', message: output.text, timestamp } as LogInfo;
  const formatted = winston.format.combine(stamp(), jsonLine()).transform(info) as LogInfo;
  return String(formatted[MESSAGE]);
}

const nextTask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('childLineJson', () => {
  const timestamp = '2026-01-02T03:04:05.678Z';
  it.each([
    ['a plain line', line('line 0000001')],
    ['stderr', line('oops', { stream: 'stderr' })],
    ['quotes, backslashes, control characters and non-ASCII text', line('say "hi" \\ \t\u0001 héllo → 日本 \u2028 \ud800')],
    ['an empty line', line('')],
    ['a cut line', line('x'.repeat(10), { cut: { originalBytes: 70_000 } })],
  ])('makes the same JSON line as the logger for %s', (_name, output) => {
    expect(childLineJson()(output, timestamp)).toBe(throughFormats(output, timestamp));
  });

  it('makes the part before the message again when the time, stream or pid changes', () => {
    const toJson = childLineJson();
    toJson(line('a'), timestamp);
    expect(JSON.parse(toJson(line('b', { pid: 7, stream: 'stderr' }), '2026-01-02T03:04:06.000Z'))).toEqual({
      timestamp: '2026-01-02T03:04:06.000Z',
      level: 'info',
      source: 'child',
      stream: 'stderr',
      pid: 7,
      message: 'b',
    });
  });
});

describe('chunkClock', () => {
  it('reads the time once for the lines of one task, and again in the next', async () => {
    let ticks = 0;
    const clock = chunkClock(() => `t${(ticks += 1)}`);
    expect([clock(), clock(), clock()]).toEqual(['t1', 't1', 't1']);
    await nextTask();
    expect(clock()).toBe('t2');
  });
});

describe('LineBatch', () => {
  it('writes the lines of one task at once, in order, when the task is over', async () => {
    const writes: string[] = [];
    const batch = new LineBatch((text) => writes.push(text));
    batch.add('one');
    batch.add('two');
    expect(writes).toEqual([]);
    expect(batch.length).toBe(8);
    await nextTask();
    batch.add('three');
    await nextTask();
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
  });

  it('writes at once when BATCH_CHARS have gathered, and on flush', () => {
    const writes: string[] = [];
    const batch = new LineBatch((text) => writes.push(text));
    const long = 'x'.repeat(BATCH_CHARS / 2);
    batch.add(long);
    batch.add(long);
    expect(writes).toEqual([`${long}\n${long}\n`]);
    batch.add('last');
    batch.flush();
    expect(writes.at(-1)).toBe('last\n');
    expect(batch.length).toBe(0);
  });
});

describe('childLineWriter', () => {
  it('falls back to one logger.info per line for a logger that createSupervisorLog did not make', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
    childLineWriter(logger)(line('hello', { cut: { originalBytes: 99 } }));
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'info', message: 'hello', source: 'child', stream: 'stdout', pid: 4242, truncated: true, originalBytes: 99 });
  });
});
