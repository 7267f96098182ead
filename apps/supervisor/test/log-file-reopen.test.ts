import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { RotatingFileTransport, type Reopened } from '../src/logging/rotating-file.js';
import { waitUntil } from '../../../test/helpers/wait.js';

// RotatingFileTransport over real files, with its clock in the test's hands: when the path
// is checked, and when an unwritable file is tried again.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-reopen-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Lets the batch of this task be written (a microtask) and the stream's writes land. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

function transport(filename: string, maxBytes = 1024 * 1024): { file: RotatingFileTransport; clock: { now: number }; reopened: Reopened[]; unwritable: string[] } {
  const clock = { now: 0 };
  const reopened: Reopened[] = [];
  const unwritable: string[] = [];
  const file = new RotatingFileTransport({
    filename,
    maxBytes,
    maxFiles: 3,
    now: () => clock.now,
    onReopened: (report) => reopened.push(report),
    onUnwritable: (code) => unwritable.push(code),
  });
  return { file, clock, reopened, unwritable };
}

const end = (file: RotatingFileTransport): Promise<void> => new Promise((resolve) => file.end(resolve));

describe('the log file', () => {
  it('is opened again, its folder made again, when a rotation finds it deleted', async () => {
    const logDir = join(dir, 'logs');
    const filename = join(logDir, 'app.log');
    // The clock stands still: no check of the path, only the rotation can notice.
    const { file, reopened } = transport(filename, 1000);
    for (let i = 0; i < 5; i += 1) file.writeLine(`before ${i} ${'x'.repeat(80)}`);
    await settle();
    rmSync(logDir, { recursive: true });
    for (let i = 0; i < 5; i += 1) file.writeLine(`deleted ${i} ${'x'.repeat(80)}`);
    await settle();
    for (let i = 0; i < 10; i += 1) file.writeLine(`after ${i} ${'x'.repeat(80)}`);
    await settle();
    await end(file);
    // Every line written since the file was last seen in place (here: opened) went to the
    // deleted file: 5 before, 5 after the deletion, and the first "after" line, which still
    // fitted in it before the rotation.
    expect(reopened).toEqual([{ reason: 'rotation_failed', code: 'ENOENT', linesLost: 11 }]);
    expect([...lines(`${filename}.1`), ...lines(filename)]).toEqual(Array.from({ length: 9 }, (_, i) => `after ${i + 1} ${'x'.repeat(80)}`));
  });

  it('checks that its path still names it at most once a second, and then follows a move', async () => {
    const filename = join(dir, 'app.log');
    const { file, clock, reopened } = transport(filename);
    file.writeLine('one');
    await settle();
    renameSync(filename, `${filename}.old`);
    clock.now = 999;
    file.writeLine('two');
    await settle();
    clock.now = 1000;
    file.writeLine('three');
    await settle();
    await end(file);
    expect(lines(`${filename}.old`)).toEqual(['one', 'two']);
    expect(lines(filename)).toEqual(['three']);
    expect(reopened).toEqual([{ reason: 'moved', linesLost: 0 }]);
  });

  it('counts the lines of an unwritable file, tries it again once a second, and tells once a write lands', async () => {
    const filename = join(dir, 'app.log');
    symlinkSync('/dev/full', filename);
    const { file, clock, reopened, unwritable } = transport(filename);
    for (let i = 0; i < 10; i += 1) file.writeLine(`full ${i}`);
    await waitUntil(() => unwritable.length > 0, { what: 'the write to fail' });
    expect(unwritable).toEqual(['ENOSPC']);
    // The path is writable again, but it is not tried before a second has passed.
    unlinkSync(filename);
    clock.now = 999;
    for (let i = 0; i < 5; i += 1) file.writeLine(`waiting ${i}`);
    await settle();
    expect(existsSync(filename)).toBe(false);
    clock.now = 1000;
    file.writeLine('back');
    await waitUntil(() => reopened.length > 0, { what: 'the reopening to be told' });
    await end(file);
    expect(reopened).toEqual([{ reason: 'write_failed', code: 'ENOSPC', linesLost: 15 }]);
    expect(lines(filename)).toEqual(['back']);
    expect(unwritable).toHaveLength(1);
  });

  it('keeps failing quietly while the disk stays full: one warning, and retries that open but cannot write are not told', async () => {
    const filename = join(dir, 'app.log');
    symlinkSync('/dev/full', filename);
    const { file, clock, reopened, unwritable } = transport(filename);
    for (let second = 0; second < 4; second += 1) {
      clock.now = second * 1000;
      file.writeLine(`second ${second}`);
      await settle();
    }
    await end(file);
    expect(unwritable).toEqual(['ENOSPC']);
    expect(reopened).toEqual([]);
  });

  it('starts on a new line when the file it opens ends inside one (a write cut short)', async () => {
    const filename = join(dir, 'app.log');
    mkdirSync(dir, { recursive: true });
    writeFileSync(filename, '{"message":"whole"}\n{"message":"cut sho');
    const { file } = transport(filename);
    file.writeLine('{"message":"next"}');
    await end(file);
    expect(readFileSync(filename, 'utf8')).toBe('{"message":"whole"}\n{"message":"cut sho\n{"message":"next"}\n');
  });

  it('is opened again on reopen(): what came before goes to the old file, what comes after to the new one', async () => {
    const filename = join(dir, 'app.log');
    const { file, reopened } = transport(filename);
    file.writeLine('before');
    renameSync(filename, `${filename}.1`);
    file.reopen();
    file.writeLine('after');
    await end(file);
    expect(lines(`${filename}.1`)).toEqual(['before']);
    expect(lines(filename)).toEqual(['after']);
    expect(reopened).toEqual([{ reason: 'signal', linesLost: 0 }]);
  });
});
