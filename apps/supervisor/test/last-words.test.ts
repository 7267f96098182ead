// The internal error's record, written last before process.exit (docs/design.md §8): a
// reader that is behind but reading gets it; one that reads nothing does not keep the
// supervisor from exiting.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createSupervisorLog, type LogOptions } from '../src/index.js';

const options: LogOptions = { level: 'info', format: 'json', file: null, maxSizeMb: 10, maxFiles: 5 };

/** A stdout whose reader takes one chunk each `perChunkMs`, or nothing at all. */
class SlowReader extends Writable {
  readonly taken: string[] = [];
  readonly #perChunkMs: number | null;

  constructor(perChunkMs: number | null) {
    super({ highWaterMark: 1024 });
    this.#perChunkMs = perChunkMs;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.#perChunkMs === null) return;
    setTimeout(() => {
      this.taken.push(chunk.toString());
      callback();
    }, this.#perChunkMs).unref();
  }

  events(): unknown[] {
    return this.taken
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as Record<string, unknown>)['event'] ?? 'line');
  }
}

/** `count` child lines, each handed to stdout in a write of its own. */
async function fill(log: ReturnType<typeof createSupervisorLog>, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    log.logger.info(`line ${i}`, { source: 'child', stream: 'stdout', pid: 42 });
    await nextTurn();
  }
}

const record = { level: 'error', message: 'internal error: boom', event: 'internal_error' };

describe('the last words', () => {
  it('wait for a reader that is behind but reading, past a second, and come after every line', async () => {
    // 60 writes at 40 ms each: 2.4 s of backlog, more than the second a stalled reader gets.
    const stdout = new SlowReader(40);
    const log = createSupervisorLog(options, { stdout });
    await fill(log, 60);
    await log.writeLast(record);
    const events = stdout.events();
    expect(events.at(-1)).toBe('internal_error');
    expect(events.filter((event) => event === 'line')).toHaveLength(60);
  });

  it('do not wait for ever on a reader that takes nothing', async () => {
    const stdout = new SlowReader(null);
    const log = createSupervisorLog(options, { stdout });
    await fill(log, 5);
    // Resolves (a stalled reader gets a second without progress); the test's timeout is the deadline.
    await log.writeLast(record);
    expect(stdout.taken).toEqual([]);
  });
});
