import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig, redactConfig, type LoadOutcome } from '../src/index.js';

// health.custom: the user-defined checks of issue 21, as the loader takes them from a file
// or MPM_HEALTH_CUSTOM, and the one-line messages it refuses a wrong one with.

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-custom-checks-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function load(custom: unknown): LoadOutcome {
  const file = join(dir, `config-${(counter += 1)}.json`);
  writeFileSync(file, `${JSON.stringify({ health: { custom } }, null, 2)}\n`);
  return loadConfig({ configFile: file, env: {}, flags: [], commandLine: [], cwd: '/' });
}

function checksOf(custom: unknown) {
  const outcome = load(custom);
  if (!outcome.ok) throw new Error(`expected the checks to load, got: ${outcome.errors.map((error) => error.message).join(' | ')}`);
  expect(outcome.warnings).toEqual([]);
  return outcome.loaded.config.health.custom;
}

/** The one error a config with these checks is refused with, without the file's place. */
function errorOf(custom: unknown): string {
  const outcome = load(custom);
  if (outcome.ok) throw new Error('expected the checks to be refused, but they loaded');
  expect(outcome.errors).toHaveLength(1);
  const message = outcome.errors[0]?.message ?? '';
  expect(message).not.toMatch(/[\r\n]/);
  return message.replace(/^.*?\.json:\d+:\d+: /, '');
}

describe('health.custom', () => {
  it('is empty by default', () => {
    const outcome = loadConfig({ configFile: null, env: {}, flags: [], commandLine: [], cwd: '/' });
    expect(outcome.ok && outcome.loaded.config.health.custom).toEqual([]);
  });

  it('takes one check of each type, with their defaults filled in and durations read', () => {
    const checks = checksOf([
      { name: 'api', type: 'http', url: 'https://127.0.0.1:8443/healthz', expectStatus: [200, 204], bodyContains: 'ok', thresholds: { warning: '300ms', critical: '1s' } },
      { name: 'disk_free', type: 'exec', command: ['df-free', '/var'], unit: 'GB', thresholds: { warning: 10, critical: 5 }, maxAction: 'log_warning' },
      { name: 'echo', type: 'socketio', event: 'health', data: { deep: true }, expect: 'ok', timeoutMs: '2s', failureThreshold: 2, maxAction: 'restart_service' },
      { name: 'redis', type: 'tcp', port: 6379 },
      { name: 'queue', type: 'module', module: '/srv/checks/queue.mjs' },
    ]);
    expect(checks).toEqual([
      expect.objectContaining({ name: 'api', maxAction: 'log_warning', thresholds: { warning: 300, critical: 1000 } }),
      expect.objectContaining({ name: 'disk_free', thresholds: { warning: 10, critical: 5 } }),
      expect.objectContaining({ name: 'echo', timeoutMs: 2000, failureThreshold: 2, maxAction: 'restart_service', data: { deep: true }, expect: 'ok' }),
      { name: 'redis', type: 'tcp', host: '127.0.0.1', port: 6379, maxAction: 'log_warning' },
      { name: 'queue', type: 'module', module: '/srv/checks/queue.mjs', options: {}, maxAction: 'log_warning' },
    ]);
    // Left out: the health.* value at the time of each round.
    expect(checks[3]).not.toHaveProperty('failureThreshold');
    expect(checks[3]).not.toHaveProperty('timeoutMs');
  });

  it("takes a module's path and an http check's CA file from the config file's folder", () => {
    const [queue, api] = checksOf([
      { name: 'queue', type: 'module', module: 'checks/queue.mjs' },
      { name: 'api', type: 'http', url: 'https://127.0.0.1/', ca: '../ca.pem' },
    ]);
    expect(queue).toMatchObject({ module: join(dir, 'checks/queue.mjs') });
    expect(api).toMatchObject({ ca: join(dir, '../ca.pem') });
  });

  it('is read from MPM_HEALTH_CUSTOM as JSON', () => {
    const outcome = loadConfig({ configFile: null, env: { MPM_HEALTH_CUSTOM: '[{"name":"db","type":"tcp","port":5432}]' }, flags: [], commandLine: [], cwd: '/' });
    expect(outcome.ok && outcome.loaded.config.health.custom).toEqual([{ name: 'db', type: 'tcp', host: '127.0.0.1', port: 5432, maxAction: 'log_warning' }]);
  });

  it('never shows secret-looking values in a check: not in config print, not in an error', () => {
    const checks = checksOf([{ name: 'queue', type: 'module', module: '/x.mjs', options: { url: 'amqp://u:hunter2@mq/', apiKey: 'k-123' } }]);
    const shown = JSON.stringify(redactConfig({ ...defaults(), health: { ...defaults().health, custom: checks } }));
    expect(shown).not.toMatch(/hunter2|k-123/);
    expect(errorOf([{ name: 'q', type: 'socketio', event: 'x', token: 'sekrit-1' }])).not.toContain('sekrit-1');
  });
});

describe('a wrong check is refused with one line naming its place', () => {
  it.each([
    [
      'a second check of the same name (without case)',
      [
        { name: 'db', type: 'tcp', port: 1 },
        { name: 'DB', type: 'tcp', port: 2 },
      ],
      'health.custom[1].name: already the name of [0]; each must be different, got "DB"',
    ],
    [
      'the name of a built-in metric',
      [{ name: 'cpupercent', type: 'tcp', port: 1 }],
      'health.custom[0].name: is taken by a built-in check or metric (cpuPercent); choose another name, got "cpupercent"',
    ],
    ['the name of a built-in checker', [{ name: 'network', type: 'tcp', port: 1 }], 'health.custom[0].name: is taken by a built-in check or metric (network); choose another name, got "network"'],
    ['a name with a dot', [{ name: 'db.main', type: 'tcp', port: 1 }], 'health.custom[0].name: expected a name of letters, digits, "-" and "_" that starts with a letter (at most 40), got "db.main"'],
    ['an unknown type', [{ name: 'mail', type: 'smtp', port: 25 }], 'health.custom[0].type: expected a type of http, exec, socketio, tcp, module, got "smtp"'],
    ['no type', [{ name: 'mail', port: 25 }], 'health.custom[0].type: expected a type of http, exec, socketio, tcp, module, got nothing'],
    ['a port out of range', [{ name: 'db', type: 'tcp', port: 70_000 }], 'health.custom[0].port: expected a port number from 1 to 65535, got 70000'],
    [
      'a field of another type',
      [{ name: 'db', type: 'tcp', port: 5432, url: 'http://x' }],
      'health.custom[0]: unknown field "url" for a tcp check (its fields: type, name, timeoutMs, failureThreshold, maxAction, host, port, thresholds)',
    ],
    [
      'a timeout out of range (not corrected: it is a check of its own)',
      [{ name: 'db', type: 'tcp', port: 1, timeoutMs: '5m' }],
      'health.custom[0].timeoutMs: expected a duration from 50ms to 1m (milliseconds, or a string like "5s"), got "5m"',
    ],
    [
      'an unknown recovery action',
      [{ name: 'db', type: 'tcp', port: 1, maxAction: 'reboot' }],
      'health.custom[0].maxAction: expected one of log_warning, clear_connections, restart_service, emergency_stop, got "reboot"',
    ],
    [
      'latency thresholds the wrong way round',
      [{ name: 'api', type: 'http', url: 'http://a/', thresholds: { warning: '2s', critical: '1s' } }],
      'health.custom[0].thresholds: expected warning at most critical (a latency is worse when higher), got an object',
    ],
    ['an ftp URL', [{ name: 'api', type: 'http', url: 'ftp://a/' }], 'health.custom[0].url: expected an http:// or https:// URL, got "ftp://a/"'],
    ['an HTTP status out of range', [{ name: 'api', type: 'http', url: 'http://a/', expectStatus: [200, 700] }], 'health.custom[0].expectStatus[1]: expected an HTTP status from 100 to 599, got 700'],
    ['an empty command', [{ name: 'x', type: 'exec', command: [] }], 'health.custom[0].command: expected a list of strings like ["pg_isready", "-q"] (it is never given to a shell), got a list'],
    ['an event socket.io keeps for itself', [{ name: 'x', type: 'socketio', event: 'disconnect' }], 'health.custom[0].event: is reserved by socket.io and cannot be emitted, got "disconnect"'],
    ['a failureThreshold of 0', [{ name: 'x', type: 'tcp', port: 1, failureThreshold: 0 }], 'health.custom[0].failureThreshold: expected a whole number of checks from 1 to 100, got 0'],
  ])('%s', (_, custom, message) => {
    expect(errorOf(custom)).toBe(message);
  });

  it('more than 32 checks', () => {
    const many = Array.from({ length: 33 }, (_, index) => ({ name: `c${index}`, type: 'tcp', port: 1000 + index }));
    expect(errorOf(many)).toMatch(/^health\.custom: expected a list of at most 32 checks/);
  });
});

function defaults() {
  const outcome = loadConfig({ configFile: null, env: {}, flags: [], commandLine: [], cwd: '/' });
  if (!outcome.ok) throw new Error('defaults did not load');
  return outcome.loaded.config;
}
