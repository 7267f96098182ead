import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dir, loadOk, makeConfigDir, onlyError, removeConfigDir, writeConfig } from './load-setup.js';

beforeAll(makeConfigDir);
afterAll(removeConfigDir);

describe('reading values', () => {
  it('takes durations in a file as milliseconds or as strings with a unit', () => {
    const file = writeConfig({ child: { killTimeoutMs: 1500, restartDelayMs: '500ms', minUptimeMs: '2m' }, health: { checkIntervalMs: '5s' } });
    const { config } = loadOk({ configFile: file }).loaded;
    expect(config.child).toMatchObject({ killTimeoutMs: 1500, restartDelayMs: 500, minUptimeMs: 120_000 });
    expect(config.health.checkIntervalMs).toBe(5000);
  });

  it('takes durations in the environment as milliseconds or as strings with a unit', () => {
    const env = { MPM_CHILD_KILL_TIMEOUT_MS: '2500', MPM_CHILD_RESTART_DELAY_MS: '500ms', MPM_CHILD_MIN_UPTIME_MS: '2m', MPM_HEALTH_CHECK_INTERVAL_MS: '1.5s' };
    const { config } = loadOk({ env }).loaded;
    expect(config.child).toMatchObject({ killTimeoutMs: 2500, restartDelayMs: 500, minUptimeMs: 120_000 });
    expect(config.health.checkIntervalMs).toBe(1500);
  });

  it('reads numbers from the environment', () => {
    const env = { MPM_HEALTH_FAILURE_THRESHOLD: '7', MPM_HTTP_PORT: '9000', MPM_CHILD_PORT: ' 3000 ', MPM_HEALTH_THRESHOLDS_CPU_PERCENT_WARNING: '42.5' };
    const { config } = loadOk({ env }).loaded;
    expect(config.health.failureThreshold).toBe(7);
    expect(config.http.port).toBe(9000);
    expect(config.child.port).toBe(3000);
    expect(config.health.thresholds.cpuPercent.warning).toBe(42.5);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
    ['yes', true],
    ['no', false],
    ['TRUE', true],
  ])('reads MPM_RECOVERY_ENABLED=%s as %s', (text, value) => {
    const { config } = loadOk({ env: { MPM_RECOVERY_ENABLED: text } }).loaded;
    expect(config.recovery.enabled).toBe(value);
  });

  it('lets "null" or an empty variable clear a nullable key set by the file', () => {
    const file = writeConfig({ child: { port: 3000 }, log: { file: '/var/log/chat.log' }, health: { probeUrl: 'http://127.0.0.1:3000' } });
    const { config } = loadOk({ configFile: file, env: { MPM_CHILD_PORT: 'null', MPM_LOG_FILE: '', MPM_HEALTH_PROBE_URL: 'null' } }).loaded;
    expect(config.child.port).toBeNull();
    expect(config.log.file).toBeNull();
    expect(config.health.probeUrl).toBeNull();
  });

  it('reads the memory limit as MiB, null as no limit, and corrects 0 to 1 with a warning', () => {
    expect(loadOk({ env: { MPM_CHILD_MAX_MEMORY_MB: '200' } }).loaded.config.child.maxMemoryMb).toBe(200);
    const file = writeConfig({ child: { maxMemoryMb: 300 } });
    expect(loadOk({ configFile: file, env: { MPM_CHILD_MAX_MEMORY_MB: 'null' } }).loaded.config.child.maxMemoryMb).toBeNull();
    const { loaded, warnings } = loadOk({ env: { MPM_CHILD_MAX_MEMORY_MB: '0' } });
    expect(loaded.config.child.maxMemoryMb).toBe(1);
    expect(warnings.map((warning) => warning.key)).toEqual(['child.maxMemoryMb']);
  });

  it('refuses a memory limit that is not a number, naming the variable', () => {
    const error = onlyError({ env: { MPM_CHILD_MAX_MEMORY_MB: '200M' } });
    expect(error).toMatchObject({ key: 'child.maxMemoryMb', source: { layer: 'env', variable: 'MPM_CHILD_MAX_MEMORY_MB' } });
    expect(error.message).toContain('an integer from 1 to 1048576, or null');
  });

  it('reads the command and the child environment from JSON in the environment', () => {
    const env = { MPM_COMMAND: '["node", "server.js", "--inspect"]', MPM_ENV: '{"NODE_ENV": "production", "PORT": 3000, "DEBUG": true}' };
    const { config } = loadOk({ env }).loaded;
    expect(config.command).toEqual(['node', 'server.js', '--inspect']);
    expect(config.env).toEqual({ NODE_ENV: 'production', PORT: '3000', DEBUG: 'true' });
  });

  it('turns numbers and booleans in the file env map into strings', () => {
    const file = writeConfig({ env: { PORT: 3000, VERBOSE: false, NODE_ENV: 'production' } });
    const { config } = loadOk({ configFile: file }).loaded;
    expect(config.env).toEqual({ PORT: '3000', VERBOSE: 'false', NODE_ENV: 'production' });
  });

  it('never splits a command line given as plain text in the environment', () => {
    const error = onlyError({ env: { MPM_COMMAND: 'node server.js' } });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'command' });
    expect(error.message).toContain('MPM_COMMAND');
  });
});

describe('relative paths', () => {
  it('are taken from the config file folder for values in the file', () => {
    mkdirSync(join(dir, 'etc'), { recursive: true });
    const file = writeConfig({ cwd: 'app', log: { file: 'logs/supervisor.log' } }, join('etc', 'paths.json'));
    const { config } = loadOk({ configFile: file, cwd: join(dir, 'elsewhere') }).loaded;
    expect(config.cwd).toBe(join(dir, 'etc', 'app'));
    expect(config.log.file).toBe(join(dir, 'etc', 'logs', 'supervisor.log'));
  });

  it('are taken from the working directory for values from the environment and flags', () => {
    const cwd = join(dir, 'work');
    const { config } = loadOk({ cwd, env: { MPM_CWD: 'app' }, flags: [{ path: 'log.file', flag: '--log-file', value: 'out.log' }] }).loaded;
    expect(config.cwd).toBe(join(cwd, 'app'));
    expect(config.log.file).toBe(join(cwd, 'out.log'));
  });

  it('stay as they are when absolute', () => {
    const file = writeConfig({ cwd: '/srv/chat', log: { file: '/var/log/chat.log' } });
    const { config } = loadOk({ configFile: file }).loaded;
    expect(config.cwd).toBe('/srv/chat');
    expect(config.log.file).toBe('/var/log/chat.log');
  });
});
