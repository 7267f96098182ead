import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, truncateSync, utimesSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../../test/helpers/fake-clock.js';
import { waitUntil } from '../../../test/helpers/wait.js';
import { followLog } from '../src/logs/follower.js';
import { openLog } from '../src/logs/log-files.js';

const POLL_MS = 250;
const BUSY_POLL_MS = 50;
const QUIET_MS = 500;

let dir: string;
let path: string;
const writers: number[] = [];
const stops: Array<() => Promise<void>> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-logs-follow-'));
  path = join(dir, 'app.log');
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const fd of writers.splice(0)) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/** An append-only writer on the file that has `name` now (it keeps writing there after a rename). */
function writer(name: string = path): (text: string) => void {
  const fd = openSync(name, 'a');
  writers.push(fd);
  return (text) => void writeSync(fd, text);
}

function numbered(from: number, to: number): string {
  let text = '';
  for (let i = from; i <= to; i += 1) text += `line ${i}\n`;
  return text;
}

function expected(from: number, to: number): string[] {
  return numbered(from, to).trimEnd().split('\n');
}

/** Follows `path` from `offset` on a fake clock; the lines printed collect in `lines`. */
function follow(options: { offset?: number; clock?: FakeClock; pollMs?: number } = {}) {
  const clock = options.clock ?? new FakeClock();
  const lines: string[] = [];
  const gaps: number[] = [];
  const controller = new AbortController();
  const done = followLog({
    path,
    from: { log: openLog(path)!, offset: options.offset ?? 0 },
    onLines: (batch) => lines.push(...batch),
    onGap: () => gaps.push(clock.now()),
    signal: controller.signal,
    ...(options.clock === undefined && options.pollMs !== undefined
      ? { pollMs: options.pollMs, busyPollMs: options.pollMs, quietMs: 4 * options.pollMs }
      : { clock, pollMs: POLL_MS, busyPollMs: BUSY_POLL_MS, quietMs: QUIET_MS }),
  });
  const stop = async (): Promise<void> => {
    controller.abort();
    await done;
  };
  stops.push(stop);
  return { clock, lines, gaps, done, stop };
}

/** Renames path → path.1 (→ path.2 …) as rotating-file.ts does and makes a new, empty path. */
function rotate(maxFiles = 5): void {
  for (let index = maxFiles - 2; index >= 1; index -= 1) {
    try {
      renameSync(`${path}.${index}`, `${path}.${index + 1}`);
    } catch {
      // Not there yet.
    }
  }
  renameSync(path, `${path}.1`);
}

describe('followLog on a fake clock', () => {
  it('prints lines as they are appended, and holds an unfinished line until its newline', async () => {
    const write = writer();
    write('old\n');
    const { clock, lines } = follow({ offset: 4 });
    await clock.advance(0);
    expect(lines).toEqual([]);
    write('a\nb\nhal');
    await clock.advance(POLL_MS);
    expect(lines).toEqual(['a', 'b']);
    write('f a line\n');
    await clock.advance(POLL_MS);
    expect(lines).toEqual(['a', 'b', 'half a line']);
  });

  it('follows a rename rotation: lines that land in the old file after the rename come first, none lost or twice', async () => {
    const writeOld = writer();
    writeOld(numbered(1, 3));
    const { clock, lines } = follow();
    await clock.advance(0);
    expect(lines).toEqual(expected(1, 3));

    rotate();
    const writeNew = writer();
    writeNew(numbered(7, 8));
    await clock.advance(POLL_MS);
    // The old file is not finished yet (it may still grow): nothing of the new one is printed.
    expect(lines).toEqual(expected(1, 3));
    writeOld(numbered(4, 6));
    await clock.advance(BUSY_POLL_MS);
    expect(lines).toEqual(expected(1, 6));
    await clock.advance(QUIET_MS);
    expect(lines).toEqual(expected(1, 8));
    writeNew(numbered(9, 10));
    await clock.advance(POLL_MS);
    expect(lines).toEqual(expected(1, 10));
  });

  it('catches up with several rotations between two polls, in order', async () => {
    writer()(numbered(1, 2));
    const { clock, lines } = follow();
    await clock.advance(0);
    for (let file = 1; file <= 3; file += 1) {
      rotate();
      writer()(numbered(file * 10, file * 10 + 2));
    }
    await clock.advance(POLL_MS + QUIET_MS + BUSY_POLL_MS);
    expect(lines).toEqual([...expected(1, 2), ...expected(10, 12), ...expected(20, 22), ...expected(30, 32)]);
  });

  it('reads on the files still kept, and says lines may be missing, when the one it read was rotated away and deleted', async () => {
    writer()(numbered(1, 2));
    const { clock, lines, gaps } = follow();
    await clock.advance(0);
    // Two files kept (maxFiles 2): the one being read goes to .1, then is deleted by the next rotation.
    rotate(2);
    writer()(numbered(10, 11));
    const past = new Date(Date.now() - 60_000);
    utimesSync(`${path}.1`, past, past);
    rmSync(`${path}.1`);
    rotate(2);
    writer()(numbered(20, 21));
    await clock.advance(POLL_MS + QUIET_MS + BUSY_POLL_MS);
    expect(lines).toEqual([...expected(1, 2), ...expected(10, 11), ...expected(20, 21)]);
    expect(gaps).toHaveLength(1);
  });

  it('prints the unfinished last line of a rotated file once that file is done', async () => {
    const writeOld = writer();
    writeOld('a\nno newline');
    const { clock, lines } = follow();
    await clock.advance(0);
    expect(lines).toEqual(['a']);
    rotate();
    writer()('b\n');
    await clock.advance(POLL_MS + QUIET_MS + BUSY_POLL_MS);
    expect(lines).toEqual(['a', 'no newline', 'b']);
  });

  it('reads a truncated file again from its start', async () => {
    const write = writer();
    write(numbered(1, 5));
    const { clock, lines } = follow();
    await clock.advance(0);
    truncateSync(path, 0);
    await clock.advance(POLL_MS);
    write('after 1\nafter 2\n');
    await clock.advance(POLL_MS);
    expect(lines).toEqual([...expected(1, 5), 'after 1', 'after 2']);
  });

  it('waits for a file that vanished to come back, and reads the new one from its start', async () => {
    const writeOld = writer();
    writeOld(numbered(1, 2));
    const { clock, lines, gaps } = follow();
    await clock.advance(0);
    rmSync(path);
    // The writer still holds the deleted file: its lines are read before the new file's.
    writeOld(numbered(3, 4));
    await clock.advance(POLL_MS);
    await clock.advance(POLL_MS * 4);
    expect(lines).toEqual(expected(1, 4));
    const writeNew = writer();
    writeNew(numbered(5, 6));
    await clock.advance(POLL_MS + QUIET_MS + BUSY_POLL_MS);
    expect(lines).toEqual(expected(1, 6));
    expect(gaps).toEqual([]);
  });

  it('stops on abort: the promise resolves and no timer is left', async () => {
    writer()('a\n');
    const { clock, stop } = follow();
    await clock.advance(0);
    expect(clock.pending).toBe(1);
    await stop();
    expect(clock.pending).toBe(0);
  });
});

describe('followLog on real time', () => {
  const rotatingWriter = fileURLToPath(new URL('../../../test/fixtures/rotating-writer.mjs', import.meta.url));

  it('sees every line once and in order while another process writes and rotates quickly', async () => {
    const total = 20_000;
    writer()('');
    const { lines, gaps } = follow({ pollMs: 20 });
    const child = spawn(process.execPath, [rotatingWriter, path, String(total), '32768', '10', '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise((resolve) => child.once('close', resolve));
    try {
      await waitUntil(() => lines.length >= total, { timeoutMs: 30_000, what: `${total} lines (have ${lines.length})` });
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
    expect(Number(/^done (\d+)/.exec(output)?.[1])).toBeGreaterThanOrEqual(5);
    const wrong = lines.findIndex((line, i) => line !== `line ${String(i + 1).padStart(7, '0')}`);
    expect(wrong === -1 ? 'all in order' : `line ${wrong + 1} is ${lines[wrong]}`).toBe('all in order');
    expect(lines).toHaveLength(total);
    expect(gaps).toEqual([]);
  });
});
