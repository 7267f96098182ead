import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { readStateFile, StateFile, stateDirFor, UnsafeStateDirError, type StateRecord } from '../src/state/state-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-state-test-'));
  dirs.push(dir);
  return dir;
}

function record(pid: number): StateRecord {
  return {
    name: 'chat',
    pid,
    version: '0.1.0',
    startedAt: new Date(0).toISOString(),
    http: { url: 'http://127.0.0.1:8766', host: '127.0.0.1', port: 8766, tokenRequired: false },
    logFile: null,
    command: ['node', 'server.js'],
  };
}

describe('stateDirFor', () => {
  it('takes --state-dir, then $XDG_RUNTIME_DIR/mpm-supervise, then a per-user folder in the temp dir', () => {
    expect(stateDirFor('/srv/state', { XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/srv/state');
    expect(stateDirFor(null, { XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/mpm-supervise');
    expect(stateDirFor(null, {})).toBe(join(tmpdir(), `mpm-supervise-${process.getuid!()}`));
  });
});

describe('StateFile', () => {
  it('writes the record whole, readable by its user only, in a folder it makes', () => {
    const dir = join(tempDir(), 'nested');
    const file = new StateFile(dir, 'chat');
    file.write(record(process.pid));
    expect(file.path).toBe(join(dir, 'chat.json'));
    expect(readStateFile(file.path)).toEqual(record(process.pid));
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('removes only its own file: a newer supervisor of the same name keeps its one', () => {
    const dir = tempDir();
    const mine = new StateFile(dir, 'chat');
    mine.write(record(process.pid));
    new StateFile(dir, 'chat', 999_999).write(record(999_999));
    mine.remove();
    expect(readStateFile(mine.path)?.pid).toBe(999_999);
    new StateFile(dir, 'chat', 999_999).remove();
    expect(existsSync(mine.path)).toBe(false);
  });

  it('names another live holder of the name, and not a dead one', async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      new StateFile(dir, 'chat', other.pid).write(record(other.pid!));
      expect(new StateFile(dir, 'chat').holder()?.pid).toBe(other.pid);
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('close', resolve));
    }
    expect(new StateFile(dir, 'chat').holder()).toBeUndefined();
  });

  it('reads a damaged or foreign file as no record', () => {
    const dir = tempDir();
    const path = join(dir, 'chat.json');
    for (const text of ['{"pid": 12', '[]', 'null', '{"name": "chat"}']) {
      writeFileSync(path, text);
      expect(readStateFile(path)).toBeUndefined();
    }
    expect(readStateFile(join(dir, 'missing.json'))).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe('{"name": "chat"}');
  });

  it('writes through no symlink planted at the state file or at a temp name, and leaves no temp file', () => {
    const dir = tempDir();
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'precious\n');
    // The temp name used to be <name>.json.<pid>.tmp: anyone who could write the folder could plant it.
    symlinkSync(victim, join(dir, `chat.json.${process.pid}.tmp`));
    symlinkSync(victim, join(dir, 'chat.json'));
    new StateFile(dir, 'chat').write(record(process.pid));
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(dir, 'chat.json')).isFile()).toBe(true);
    expect(readStateFile(join(dir, 'chat.json'))).toEqual(record(process.pid));
    expect(readdirSync(dir).sort()).toEqual(['chat.json', `chat.json.${process.pid}.tmp`]);
  });

  // Another user's folder: test/e2e/state-dir-safety.test.ts (it takes root).
  it('refuses a folder that is a symlink or that others may write', () => {
    const base = tempDir();
    const real = join(base, 'real');
    mkdirSync(real, { mode: 0o700 });
    const linked = join(base, 'linked');
    symlinkSync(real, linked);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o1777);
    const cases: Array<[string, string]> = [
      [linked, 'symlink'],
      [open, 'writable_by_others'],
    ];
    for (const [dir, reason] of cases) {
      let thrown: unknown;
      try {
        new StateFile(dir, 'chat').write(record(process.pid));
      } catch (error) {
        thrown = error;
      }
      expect({ dir, thrown }).toEqual({ dir, thrown: expect.any(UnsafeStateDirError) });
      expect((thrown as UnsafeStateDirError).reason).toBe(reason);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('reads no state file through a symlink', () => {
    const dir = tempDir();
    const elsewhere = join(tempDir(), 'real.json');
    writeFileSync(elsewhere, JSON.stringify(record(process.pid)));
    symlinkSync(elsewhere, join(dir, 'chat.json'));
    expect(readStateFile(join(dir, 'chat.json'))).toBeUndefined();
  });
});
