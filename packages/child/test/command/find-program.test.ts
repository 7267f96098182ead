import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { commandWouldStart, findProgram } from '../../src/index.js';

// One lookup for the child, hook commands and exec checks (moved here from the hooks' tests).

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-find-program-'));
  dirs.push(dir);
  return dir;
}

describe('findProgram', () => {
  it('looks a bare name up on PATH, skipping empty and relative entries', () => {
    const dir = tempDir();
    const program = join(dir, 'page-me');
    writeFileSync(program, '#!/bin/sh\n');
    chmodSync(program, 0o755);
    expect(findProgram('page-me', { cwd: '/', path: `:relative:${dir}` })).toEqual({ found: true, file: program });
    expect(findProgram('page-me', { cwd: dir, path: '/nonexistent' })).toEqual({ found: false, why: '"page-me" is not found on PATH' });
    expect(findProgram('page-me', { cwd: dir, path: ':relative' })).toEqual({ found: false, why: '"page-me" is not found on PATH (PATH names no absolute folder)' });
    expect(findProgram('page-me', { cwd: dir, path: undefined })).toEqual({ found: false, why: '"page-me" is not found on PATH (PATH names no absolute folder)' });
  });

  it('takes a name with a slash for a path, a relative one from the working folder', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'page-me'), '#!/bin/sh\n');
    chmodSync(join(dir, 'page-me'), 0o755);
    writeFileSync(join(dir, 'plain'), '');
    expect(findProgram('./page-me', { cwd: dir, path: '' })).toEqual({ found: true, file: join(dir, 'page-me') });
    expect(findProgram('./plain', { cwd: dir, path: '' })).toEqual({ found: false, why: `${join(dir, 'plain')} is not executable` });
    expect(findProgram('./gone', { cwd: dir, path: '' })).toEqual({ found: false, why: `${join(dir, 'gone')} does not exist` });
    expect(findProgram(dir, { cwd: '/', path: '' })).toEqual({ found: false, why: `${dir} is not a file` });
  });
});

describe('commandWouldStart', () => {
  it('follows the same rule, in a folder that exists', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'serve'), '#!/bin/sh\n');
    chmodSync(join(dir, 'serve'), 0o755);
    expect(commandWouldStart('serve', '/', dir)).toBe(true);
    expect(commandWouldStart('./serve', dir, undefined)).toBe(true);
    expect(commandWouldStart('serve', dir, '')).toBe(false);
    expect(commandWouldStart('serve', dir, '.')).toBe(false);
    expect(commandWouldStart('./serve', join(dir, 'gone'), undefined)).toBe(false);
  });
});
