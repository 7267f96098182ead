import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { OutputLine } from '@mpm/child';
import { createSupervisorLog } from '../src/index.js';
import type { LogOptions } from '../src/index.js';
import { childLineWriter } from '../src/logging/child-lines.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-logging-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stdout stand-in whose reader is stalled until release() is called. */
class StalledStream extends Writable {
  readonly chunks: string[] = [];
  #pending: Array<() => void> = [];
  #reading = false;
  isTTY = false;

  constructor() {
    super({ highWaterMark: 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    if (this.#reading) callback();
    else this.#pending.push(callback);
  }

  /** The reader catches up and keeps up from now on. */
  release(): void {
    this.#reading = true;
    const pending = this.#pending;
    this.#pending = [];
    for (const callback of pending) callback();
  }

  records(): Array<Record<string, unknown>> {
    return this.chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

const childLine = (text: string, overrides: Partial<OutputLine> = {}): OutputLine => ({ stream: 'stdout', text, pid: 42, generation: 1, cut: undefined, ...overrides });

const options = (overrides: Partial<LogOptions> = {}): LogOptions => ({
  level: 'info',
  format: 'json',
  file: null,
  maxSizeMb: 10,
  maxFiles: 5,
  ...overrides,
});

describe('the supervisor log', () => {
  it('drops child lines past the pending limit, counts them, and never drops its own records', async () => {
    const stdout = new StalledStream();
    const log = createSupervisorLog(options(), { stdout, maxPendingBytes: 2000 });
    for (let i = 0; i < 100; i += 1) log.logger.info(`line ${i}`, { source: 'child', stream: 'stdout', pid: 42 });
    log.logger.warn('child exited', { event: 'child_exited' });
    stdout.release();
    await log.close();

    const records = stdout.records();
    const childLines = records.filter((record) => record['source'] === 'child');
    const notice = records.find((record) => record['event'] === 'log_lines_dropped');
    expect(notice).toMatchObject({ level: 'warn', source: 'supervisor' });
    expect(childLines.length + Number(notice!['dropped'])).toBe(100);
    expect(childLines.length).toBeLessThan(100);
    // The notice comes before the supervisor's record, so the story reads in order.
    const order = records.map((record) => record['event'] ?? 'line');
    expect(order.indexOf('log_lines_dropped')).toBeLessThan(order.indexOf('child_exited'));
  });

  it('rotates the file by size, keeps maxFiles files, and loses no line', async () => {
    const file = join(dir, 'app.log');
    const stdout = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    // 0.001 MB ≈ 1 KB per file: 200 lines of ~130 bytes make many rotations.
    const log = createSupervisorLog(options({ file, maxSizeMb: 0.001, maxFiles: 3 }), { stdout });
    for (let i = 0; i < 200; i += 1) log.logger.info(`line ${String(i).padStart(3, '0')}`, { source: 'child', stream: 'stdout', pid: 1 });
    await log.close();

    expect(readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    const kept = ['app.log.2', 'app.log.1', 'app.log'].flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { message: string }).message),
    );
    // The newest lines, contiguous and in order, up to the last one.
    expect(kept.at(-1)).toBe('line 199');
    const first = Number(kept[0]!.slice(5));
    expect(kept).toEqual(Array.from({ length: 200 - first }, (_, i) => `line ${String(first + i).padStart(3, '0')}`));
    for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name)).length).toBeLessThanOrEqual(1049);
  });

  it('takes new settings while running (a reload): level, format, and a new file', async () => {
    const stdout = new StalledStream();
    stdout.release();
    const first = join(dir, 'first.log');
    const second = join(dir, 'second.log');
    const log = createSupervisorLog(options({ file: first }), { stdout });
    log.logger.info('one');
    log.logger.debug('hidden at info');

    log.reconfigure(options({ level: 'debug', file: second }));
    log.logger.debug('two');
    log.reconfigure(options({ level: 'debug', format: 'pretty', file: second }));
    log.logger.info('three');
    await log.close();

    const fileMessages = (file: string): string[] =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { message: string }).message);
    expect(fileMessages(first)).toEqual(['one']);
    expect(fileMessages(second)).toEqual(['two', 'three']);
    const lines = stdout.chunks.join('').trimEnd().split('\n');
    expect(lines.slice(0, 2).map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['one', 'two']);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info +supervisor three$/);
  });

  it("writes a health change's causes in JSON, and only its words in a pretty line", async () => {
    const stdout = new StalledStream();
    stdout.release();
    const file = join(dir, 'health.log');
    const log = createSupervisorLog(options({ format: 'pretty', file }), { stdout });
    const causes = [{ name: 'eventLoopLagMs', value: 1500, status: 'critical', message: 'eventLoopLagMs 1500 ms ≥ critical 1000 ms' }];
    log.logger.error('health healthy → critical: eventLoopLagMs 1500 ms ≥ critical 1000 ms', { event: 'health_changed', from: 'healthy', to: 'critical', causes });
    await log.close();
    expect(stdout.chunks.join('')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} error supervisor health healthy → critical: eventLoopLagMs 1500 ms ≥ critical 1000 ms {2}from=healthy to=critical\n$/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ event: 'health_changed', causes });
  });

  it("writes the status server's address once in a pretty line, and all of its fields in JSON", async () => {
    const stdout = new StalledStream();
    stdout.release();
    const file = join(dir, 'status.log');
    const log = createSupervisorLog(options({ format: 'pretty', file }), { stdout });
    const fields = { event: 'status_server_listening', url: 'http://127.0.0.1:8766', host: '127.0.0.1', port: 8766, tokenRequired: false, stateFile: '/run/s.json' };
    log.logger.info('status server on http://127.0.0.1:8766 (/health, /health/ready, /metrics, /diagnostics, /events)', fields);
    await log.close();
    expect(stdout.chunks.join('')).toMatch(
      / info {2}supervisor status server on http:\/\/127\.0\.0\.1:8766 \(\/health, \/health\/ready, \/metrics, \/diagnostics, \/events\) {2}stateFile=\/run\/s\.json\n$/,
    );
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject(fields);
  });

  it('refuses a new file it cannot write and keeps the old settings', async () => {
    const stdout = new StalledStream();
    stdout.release();
    const file = join(dir, 'app.log');
    const log = createSupervisorLog(options({ file }), { stdout });
    expect(() => log.reconfigure(options({ level: 'debug', file: '/proc/mpm-test.log' }))).toThrow(/^log\.file \/proc\/mpm-test\.log: cannot write to it \(E[A-Z]+\)$/);
    log.logger.debug('still hidden');
    log.logger.info('still here');
    await log.close();
    expect(readFileSync(file, 'utf8')).toContain('still here');
    expect(stdout.chunks.join('')).not.toContain('still hidden');
  });

  it("writes the child's lines through its fast path in order with its own records, to stdout and the file", async () => {
    const stdout = new StalledStream();
    stdout.release();
    const file = join(dir, 'child.log');
    const log = createSupervisorLog(options({ file }), { stdout });
    const writeLine = childLineWriter(log.logger);
    writeLine(childLine('first'));
    log.logger.info('child exited', { event: 'child_exited' });
    writeLine(childLine('cut', { stream: 'stderr', cut: { originalBytes: 70_000 } }));
    await log.close();

    const fileRecords = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const records of [stdout.records(), fileRecords]) {
      expect(records.map((record) => record['message'])).toEqual(['first', 'child exited', 'cut']);
      expect(records[0]).toEqual({ timestamp: expect.any(String), level: 'info', source: 'child', stream: 'stdout', pid: 42, message: 'first' });
      expect(records[2]).toMatchObject({ source: 'child', stream: 'stderr', truncated: true, originalBytes: 70_000 });
    }
  });

  it("writes the child's lines as pretty lines when stdout is pretty, and none below the level", async () => {
    const stdout = new StalledStream();
    stdout.release();
    const log = createSupervisorLog(options({ format: 'pretty' }), { stdout });
    const writeLine = childLineWriter(log.logger);
    writeLine(childLine('hello', { stream: 'stderr', cut: { originalBytes: 99 } }));
    log.reconfigure(options({ format: 'pretty', level: 'warn' }));
    writeLine(childLine('hidden at warn'));
    await log.close();
    expect(stdout.chunks.join('')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info {2}child\[42\] err hello …\[cut from 99 bytes\]\n$/);
  });

  it('rotates between the lines of one batch and gives a line longer than the limit a file of its own', async () => {
    const file = join(dir, 'app.log');
    const stdout = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    const log = createSupervisorLog(options({ file, maxSizeMb: 0.001, maxFiles: 4 }), { stdout });
    const writeLine = childLineWriter(log.logger);
    for (const text of ['a', 'b', 'x'.repeat(2000), 'c']) writeLine(childLine(text));
    await log.close();
    const messages = (name: string): string[] =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { message: string }).message);
    expect([messages('app.log.2'), messages('app.log.1'), messages('app.log')]).toEqual([['a', 'b'], ['x'.repeat(2000)], ['c']]);
  });
});
