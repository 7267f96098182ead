import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { DEFAULTS, formatDuration, nameFromCommand, parseDuration, resolveRunOptions, UsageError } from '../src/index.js';

const context = { cwd: '/srv/app', stdoutIsTTY: false };

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['250', 250],
    [' 3s ', 3000],
    [1200, 1200],
  ])('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['soon', '-5s', '5 seconds', '', 's', '1e3', Number.NaN, -1])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it('formats durations for people', () => {
    expect([formatDuration(250), formatDuration(1234), formatDuration(42_000), formatDuration(90_000), formatDuration(120_000)]).toEqual([
      '250ms',
      '1.2s',
      '42s',
      '1m30s',
      '2m',
    ]);
  });
});

describe('resolveRunOptions', () => {
  it('fills every setting from the defaults and freezes the result', () => {
    const options = resolveRunOptions(['node', 'server.js'], {}, context);
    expect(options).toMatchObject({
      name: 'server',
      command: 'node',
      args: ['server.js'],
      cwd: '/srv/app',
      port: null,
      child: { killTimeoutMs: 5000, restartDelayMs: 100, maxRestartDelayMs: 30_000, minUptimeMs: 10_000, stopSignal: 'SIGTERM' },
      log: { level: 'info', format: 'json', file: null },
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.child)).toBe(true);
  });

  it('takes the flags, resolving paths against the working directory', () => {
    const options = resolveRunOptions(
      ['./bin/api'],
      { name: 'api', cwd: 'srv', port: 3000, killTimeout: 1500, logFormat: 'pretty', logLevel: 'debug', logFile: 'logs/api.log' },
      context,
    );
    expect(options).toMatchObject({
      name: 'api',
      cwd: '/srv/app/srv',
      port: 3000,
      child: { killTimeoutMs: 1500 },
      log: { format: 'pretty', level: 'debug', file: '/srv/app/logs/api.log' },
    });
  });

  it('writes pretty lines on a terminal by default', () => {
    expect(resolveRunOptions(['node'], {}, { ...context, stdoutIsTTY: true }).log.format).toBe('pretty');
  });

  it('refuses an empty command line', () => {
    expect(() => resolveRunOptions([], {}, context)).toThrow(UsageError);
  });
});

describe('nameFromCommand', () => {
  it.each([
    [['node', 'server.js'], 'server'],
    [['node', '--enable-source-maps', 'dist/main.js'], 'main'],
    [['node', '-r', 'dotenv/config', 'app.mjs'], 'app'],
    [['node', '-e', 'console.log(1)'], 'node'],
    [['/usr/local/bin/gunicorn', '-w', '4'], 'gunicorn'],
    [[process.execPath, 'index.js'], 'index'],
  ])('names %j %j', ([command, ...args], name) => {
    expect(nameFromCommand(command!, args)).toBe(name);
  });
});

describe('config/default.json', () => {
  it('shows users the same defaults the code uses', () => {
    const file = JSON.parse(readFileSync(new URL('../../../config/default.json', import.meta.url), 'utf8')) as unknown;
    expect(file).toEqual(JSON.parse(JSON.stringify(DEFAULTS)));
  });
});
