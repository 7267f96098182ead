import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { defaultConfig, RESERVED_CHECK_NAMES, type Config, type CustomCheck } from '@mpm/config';
import { defaultCheckers } from '@mpm/health';
import { problemOf } from '../src/health/custom/check-problems.js';
import { CustomCheckSet } from '../src/health/custom/check-set.js';
import { customCheckProblems } from '../src/health/custom/start-checks.js';
import { recoverySettingsFrom } from '../src/recovery/recovery-settings.js';

// The user-defined checks as the supervisor makes them from health.custom: what stops a
// start, how a reload reuses what did not change, and how far each may take recovery.

const dir = mkdtempSync(join(tmpdir(), 'mpm-custom-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const place = { cwd: dir, path: '/usr/bin:/bin' };
const deps = {
  environment: () => ({ cwd: dir, env: {} }),
  probe: () => ({ path: '/socket.io/', tls: { rejectUnauthorized: true } }),
  processes: { add: () => undefined, delete: () => undefined },
};

function file(name: string, text: string, mode = 0o644): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const exec = (command: string[]): CustomCheck => ({ name: 'db', type: 'exec', command, maxAction: 'log_warning' });
const module = (path: string, options: Record<string, unknown> = {}): CustomCheck => ({ name: 'queue', type: 'module', module: path, options, maxAction: 'log_warning' });

describe('what keeps a user-defined check from running at all', () => {
  it("finds an exec check whose program is missing or not executable, on PATH or by path from the child's folder", () => {
    file('check.sh', '#!/bin/sh\nexit 0\n', 0o755);
    file('plain.txt', 'not a program', 0o644);
    expect(problemOf(exec(['sh', '-c', 'true']), place)).toBeUndefined();
    expect(problemOf(exec(['./check.sh']), place)).toBeUndefined();
    expect(problemOf(exec(['no-such-program']), place)).toBe('command "no-such-program" was not found on PATH');
    expect(problemOf(exec(['./plain.txt']), place)).toBe(`command "./plain.txt" is not an executable file (relative paths start in ${dir}, the child's folder)`);
  });

  it('finds a module or a CA file that cannot be read', () => {
    expect(problemOf(module(join(dir, 'none.mjs')), place)).toBe(`module ${join(dir, 'none.mjs')} cannot be read (no such file)`);
    const http: CustomCheck = { name: 'api', type: 'http', url: 'https://127.0.0.1/', ca: file('ca.pem', 'not a certificate'), maxAction: 'log_warning' };
    expect(problemOf(http, place)).toBe(`ca ${join(dir, 'ca.pem')} holds no PEM certificate`);
  });

  it('names each check by its place', () => {
    expect(customCheckProblems([{ name: 'redis', type: 'tcp', host: '127.0.0.1', port: 6379, maxAction: 'log_warning' }, exec(['nope-1'])], '/etc/mpm.json:4:5: health.custom', place)).toEqual([
      '/etc/mpm.json:4:5: health.custom[1] (db): command "nope-1" was not found on PATH',
    ]);
  });
});

describe('CustomCheckSet', () => {
  it('loads a module check; a default export that is not a HealthChecker, or throws, is a failure naming the file', async () => {
    const good = file('good.mjs', "export default (options) => ({ metrics: ['depth'], check: () => [{ name: 'depth', value: options.depth }] });\n");
    const shapeless = file('shapeless.mjs', 'export default { check() { return []; } };\n');
    const none = file('none.mjs', 'export const check = () => [];\n');
    const factoryThrows = file('factory.mjs', "export default () => { throw new TypeError('no queue named jobs'); };\n");
    const set = new CustomCheckSet(deps);
    const built = await set.build([module(good, { depth: 3 }), { ...module(shapeless), name: 'b' }, { ...module(none), name: 'c' }, { ...module(factoryThrows), name: 'd' }], 'health.custom');
    expect(built?.failures).toEqual([
      `health.custom[1] (b): ${shapeless}: its HealthChecker needs "metrics", a list of 1 to 16 metric names, got nothing`,
      `health.custom[2] (c): ${none} has no default export (export default a HealthChecker, or a function that returns one)`,
      `health.custom[3] (d): ${factoryThrows}: its default export, called with the check's options, failed: TypeError: no queue named jobs`,
    ]);
    // Each stands where it would be, saying why it does not run.
    expect(built?.checkers.map((checker) => [checker.name, checker.metrics])).toEqual([
      ['queue', ['queue.depth']],
      ['b', ['b']],
      ['c', ['c']],
      ['d', ['d']],
    ]);
  });

  it('keeps the checker of a check that did not change across a build, and makes a changed one afresh', async () => {
    const set = new CustomCheckSet(deps);
    const redis: CustomCheck = { name: 'redis', type: 'tcp', host: '127.0.0.1', port: 6379, maxAction: 'log_warning' };
    const api: CustomCheck = { name: 'api', type: 'http', url: 'http://127.0.0.1:1/', maxAction: 'log_warning' };
    const first = await set.build([redis, api], 'health.custom');
    const second = await set.build([{ ...redis }, { ...api, url: 'http://127.0.0.1:2/' }], 'health.custom');
    expect(second?.checkers[0]).toBe(first?.checkers[0]);
    expect(second?.checkers[1]).not.toBe(first?.checkers[1]);
  });

  it('lets the last of two builds in a row win', async () => {
    const set = new CustomCheckSet(deps);
    const slow = set.build([module(file('slow.mjs', "export default async () => { await new Promise((r) => setTimeout(r, 200)); return { metrics: ['x'], check: () => [] }; };\n"))], 'health.custom');
    const quick = set.build([{ name: 'redis', type: 'tcp', host: '127.0.0.1', port: 6379, maxAction: 'log_warning' }], 'health.custom');
    expect(await slow).toBeUndefined();
    expect((await quick)?.checkers.map((checker) => checker.name)).toEqual(['redis']);
    expect(set.checkers.map((checker) => checker.name)).toEqual(['redis']);
  });
});

describe('the names a check may not take', () => {
  it('are every built-in checker and metric name, and overall and exit', () => {
    const builtIn = defaultCheckers().flatMap((checker) => [checker.name, ...checker.metrics]);
    expect([...RESERVED_CHECK_NAMES].sort()).toEqual([...builtIn, 'overall', 'exit'].sort());
  });
});

describe('recovery settings', () => {
  it('give each user-defined check its maxAction as its ceiling', () => {
    const base = defaultConfig();
    const config: Config = {
      ...base,
      health: {
        ...base.health,
        custom: [
          { name: 'redis', type: 'tcp', host: '127.0.0.1', port: 6379, maxAction: 'log_warning' },
          { ...exec(['true']), maxAction: 'restart_service' },
        ],
      },
    };
    expect(recoverySettingsFrom(config).checkCeilings).toEqual({ redis: 'log_warning', db: 'restart_service' });
  });
});
