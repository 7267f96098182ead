import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { describeSource, keyByPath, loadConfig, type Finding, type LoadedConfig, type LoadRequest } from '../src/index.js';

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-config-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a config file into the test folder and returns its absolute path. */
function writeConfig(content: unknown, name = `config-${(counter += 1)}.json`): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

function request(overrides: Partial<LoadRequest>): LoadRequest {
  return { configFile: null, env: {}, flags: [], commandLine: [], cwd: dir, ...overrides };
}

/** Every message a user would read is one line. */
function expectOneLine(findings: readonly Finding[]): void {
  for (const finding of findings) expect(finding.message).not.toMatch(/[\r\n]/);
}

function loadOk(overrides: Partial<LoadRequest>): { loaded: LoadedConfig; warnings: readonly Finding[] } {
  const outcome = loadConfig(request(overrides));
  if (!outcome.ok) throw new Error(`expected the config to load, got errors: ${outcome.errors.map((error) => error.message).join(' | ')}`);
  expectOneLine(outcome.warnings);
  return outcome;
}

function loadErrors(overrides: Partial<LoadRequest>): readonly Finding[] {
  const outcome = loadConfig(request(overrides));
  if (outcome.ok) throw new Error('expected the config to be refused, but it loaded');
  expect(outcome.errors.length).toBeGreaterThan(0);
  expectOneLine([...outcome.errors, ...outcome.warnings]);
  return outcome.errors;
}

function onlyError(overrides: Partial<LoadRequest>): Finding {
  const errors = loadErrors(overrides);
  expect(errors).toHaveLength(1);
  return errors[0] as Finding;
}

function sourceOf(loaded: LoadedConfig, path: string): string {
  const source = loaded.sources.get(path);
  if (source === undefined) throw new Error(`no source for ${path}`);
  return describeSource(source);
}

function rangeOf(path: string): { min: number; max: number } {
  const range = keyByPath(path)?.meta.range;
  if (range === undefined) throw new Error(`${path} has no range`);
  return range;
}

describe('precedence', () => {
  const killTimeoutFile = (): string => writeConfig('{\n  "child": {\n    "killTimeoutMs": "7s"\n  }\n}\n');
  const env = { MPM_CHILD_KILL_TIMEOUT_MS: '8s' };
  const flags = [{ path: 'child.killTimeoutMs', flag: '--kill-timeout', value: 9000 }];

  it('takes the default when nothing sets a key', () => {
    const { loaded } = loadOk({});
    expect(loaded.config.child.killTimeoutMs).toBe(5000);
    expect(sourceOf(loaded, 'child.killTimeoutMs')).toBe('default');
    expect(loaded.file).toBeNull();
  });

  it('lets the file override the default', () => {
    const file = killTimeoutFile();
    const { loaded } = loadOk({ configFile: file });
    expect(loaded.config.child.killTimeoutMs).toBe(7000);
    expect(sourceOf(loaded, 'child.killTimeoutMs')).toBe(`file ${file}:3`);
    expect(loaded.file).toBe(file);
  });

  it('lets the environment override the file', () => {
    const { loaded } = loadOk({ configFile: killTimeoutFile(), env });
    expect(loaded.config.child.killTimeoutMs).toBe(8000);
    expect(sourceOf(loaded, 'child.killTimeoutMs')).toBe('env MPM_CHILD_KILL_TIMEOUT_MS');
  });

  it('lets a flag override the environment', () => {
    const { loaded } = loadOk({ configFile: killTimeoutFile(), env, flags });
    expect(loaded.config.child.killTimeoutMs).toBe(9000);
    expect(sourceOf(loaded, 'child.killTimeoutMs')).toBe('flag --kill-timeout');
  });

  it('keeps the layers apart per key', () => {
    const file = writeConfig({ log: { level: 'debug' }, child: { killTimeoutMs: 1000 } });
    const { loaded } = loadOk({ configFile: file, env: { MPM_LOG_FORMAT: 'json' }, flags: [{ path: 'recovery.enabled', flag: '--no-recovery', value: false }] });
    expect(loaded.config.log).toMatchObject({ level: 'debug', format: 'json' });
    expect(loaded.config.child.killTimeoutMs).toBe(1000);
    expect(loaded.config.recovery.enabled).toBe(false);
    expect(sourceOf(loaded, 'log.format')).toBe('env MPM_LOG_FORMAT');
    expect(sourceOf(loaded, 'recovery.enabled')).toBe('flag --no-recovery');
    expect(sourceOf(loaded, 'health.checkIntervalMs')).toBe('default');
  });

  it('lets the command line win over the command key of every layer', () => {
    const file = writeConfig({ command: ['node', 'from-file.js'] });
    const { loaded } = loadOk({ configFile: file, env: { MPM_COMMAND: '["node", "from-env.js"]' }, commandLine: ['node', 'from-cli.js'] });
    expect(loaded.config.command).toEqual(['node', 'from-cli.js']);
    expect(sourceOf(loaded, 'command')).toBe('command line');
  });

  it('takes the command key when the command line is empty', () => {
    const file = writeConfig({ command: ['node', 'from-file.js'] });
    const { loaded } = loadOk({ configFile: file });
    expect(loaded.config.command).toEqual(['node', 'from-file.js']);
  });

  it('reads the file MPM_CONFIG names when no config file is given', () => {
    const file = writeConfig({ name: 'from-mpm-config' });
    const { loaded, warnings } = loadOk({ env: { MPM_CONFIG: file } });
    expect(loaded.config.name).toBe('from-mpm-config');
    expect(loaded.file).toBe(file);
    expect(warnings).toEqual([]);
  });

  it('takes a relative MPM_CONFIG from the working directory', () => {
    writeConfig({ name: 'relative' }, 'relative.json');
    const { loaded } = loadOk({ env: { MPM_CONFIG: 'relative.json' }, cwd: dir });
    expect(loaded.config.name).toBe('relative');
    expect(loaded.file).toBe(join(dir, 'relative.json'));
  });

  it('prefers the given config file over MPM_CONFIG', () => {
    const given = writeConfig({ name: 'given' });
    const named = writeConfig({ name: 'named-by-env' });
    const { loaded } = loadOk({ configFile: given, env: { MPM_CONFIG: named } });
    expect(loaded.config.name).toBe('given');
    expect(loaded.file).toBe(given);
  });
});

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

describe('a file that cannot be used', () => {
  it.each([
    ['a trailing comma', '{\n  "name": "chat",\n}\n', '3:1', /trailing comma/],
    ['a missing comma', '{\n  "name": "chat"\n  "cwd": "/srv"\n}\n', '3:3', /','/],
    ['a comment', '{\n  // the chat service\n  "name": "chat"\n}\n', '2:3', /comment/],
    ['nothing in it', '', '1:1', /empty/],
  ])('is refused as not JSON when it has %s, naming line and column', (_, text, position, explanation) => {
    const file = writeConfig(text);
    const error = onlyError({ configFile: file });
    expect(error.code).toBe('not_json');
    expect(error.message.startsWith(`${file}:${position}: `)).toBe(true);
    expect(error.message).toMatch(explanation);
  });

  it('is refused when its top level is not an object', () => {
    const file = writeConfig('[\n  "name"\n]\n');
    const error = onlyError({ configFile: file });
    expect(error.code).toBe('wrong_type');
    expect(error.message).toContain(`${file}:1:1`);
    expect(error.message).toContain('expected an object');
  });

  it('is refused when a group is not an object', () => {
    const file = writeConfig('{\n  "child": 5\n}\n');
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'child', given: 5 });
    expect(error.message).toContain(`${file}:2:12`);
    expect(error.message).toMatch(/child: expected an object of settings, got 5/);
  });

  it('is refused when it does not exist', () => {
    const file = join(dir, 'missing.json');
    const error = onlyError({ configFile: file });
    expect(error.code).toBe('unreadable');
    expect(error.message).toContain(file);
    expect(error.message).toContain('no such file');
  });

  it('is refused when it is a directory', () => {
    const folder = join(dir, 'a-directory.json');
    mkdirSync(folder, { recursive: true });
    const error = onlyError({ configFile: folder });
    expect(error.code).toBe('unreadable');
    expect(error.message).toContain(folder);
    expect(error.message).toContain('directory');
  });
});

describe('wrong types', () => {
  it('from the file name file, line, column, key, the value given and what is expected', () => {
    const file = writeConfig('{\n  "health": {\n    "failureThreshold": "three"\n  }\n}\n');
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ severity: 'error', code: 'wrong_type', key: 'health.failureThreshold', given: 'three' });
    expect(error.message.startsWith(`${file}:3:25: health.failureThreshold: `)).toBe(true);
    expect(error.message).toContain('got "three"');
    expect(error.message).toMatch(/expected an integer/);
  });

  it('from the environment name the variable and the key', () => {
    const error = onlyError({ env: { MPM_LOG_LEVEL: 'loud' } });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'log.level', source: { layer: 'env', variable: 'MPM_LOG_LEVEL' } });
    expect(error.message).toContain('MPM_LOG_LEVEL (log.level)');
    expect(error.message).toContain('"loud"');
    expect(error.message).toMatch(/expected one of .*\binfo\b/);
  });

  it('from a flag name the flag', () => {
    const error = onlyError({ flags: [{ path: 'log.format', flag: '--log-format', value: 'fancy' }] });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'log.format' });
    expect(error.message).toContain('--log-format (log.format)');
    expect(error.message).toContain('"fancy"');
    expect(error.message).toMatch(/expected one of .*\bjson\b/);
  });

  it('are reported together, from every layer', () => {
    const file = writeConfig({ health: { checkIntervalMs: true, historySize: 'many' }, child: { stopSignal: 'SIGSTOP' } });
    const errors = loadErrors({
      configFile: file,
      env: { MPM_RECOVERY_ENABLED: 'maybe' },
      flags: [{ path: 'health.probeUrl', flag: '--probe-url', value: 'ftp://example.com' }],
    });
    expect(errors.map((error) => error.key).sort()).toEqual(['child.stopSignal', 'health.checkIntervalMs', 'health.historySize', 'health.probeUrl', 'recovery.enabled']);
    expect(errors.every((error) => error.code === 'wrong_type')).toBe(true);
  });

  it('include a non-integer for an integer key', () => {
    const file = writeConfig({ health: { failureThreshold: 2.5 } });
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'health.failureThreshold', given: 2.5 });
  });

  it('include a port out of range, which is never corrected', () => {
    const file = writeConfig({ http: { port: 70_000 } });
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ severity: 'error', code: 'wrong_type', key: 'http.port', given: 70_000 });
    expect(error.message).toContain('70000');
    expect(error.message).toContain('65535');
    expect(onlyError({ env: { MPM_CHILD_PORT: '70000' } })).toMatchObject({ code: 'wrong_type', key: 'child.port' });
    expect(onlyError({ flags: [{ path: 'http.port', flag: '--http-port', value: -1 }] })).toMatchObject({ code: 'wrong_type', key: 'http.port' });
  });

  it('never show the value of a secret', () => {
    const token = 's3cr3t-t0ken-value';
    const file = writeConfig({ http: { token: [token] } });
    const outcome = loadConfig(request({ configFile: file }));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((error) => error.key)).toEqual(['http.token']);
    expect(outcome.errors[0]?.message).toContain('http.token');
    expect(JSON.stringify(outcome)).not.toContain(token);

    const numeric = writeConfig({ http: { token: 987_654_321 } });
    expect(JSON.stringify(loadConfig(request({ configFile: numeric })))).not.toContain('987654321');
  });

  it('refuse a token that an HTTP header could not carry (spaces, non-ASCII), without showing it', () => {
    for (const token of ['two words', 'tökén-ü', 'tab\there']) {
      const error = onlyError({ env: { MPM_HTTP_TOKEN: token } });
      expect(error).toMatchObject({ key: 'http.token' });
      expect(error.message).toMatch(/MPM_HTTP_TOKEN.*visible ASCII characters without spaces/);
      expect(JSON.stringify(error)).not.toContain(token);
    }
    expect(loadConfig(request({ env: { MPM_HTTP_TOKEN: 'Abc-123_~!' } })).ok).toBe(true);
  });
});

describe('out-of-range values', () => {
  it('from the file are raised to the minimum, with a warning naming given and used', () => {
    const { min } = rangeOf('health.checkIntervalMs');
    const file = writeConfig({ health: { checkIntervalMs: '1ms' } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(min).toBeGreaterThan(1);
    expect(loaded.config.health.checkIntervalMs).toBe(min);
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning', code: 'out_of_range', key: 'health.checkIntervalMs', given: '1ms', used: min })]);
    expect(warnings[0]?.message).toContain(file);
    expect(warnings[0]?.message).toContain('"1ms"');
  });

  it('from the environment are lowered to the maximum, with a warning naming the variable', () => {
    const { max } = rangeOf('health.historySize');
    const { loaded, warnings } = loadOk({ env: { MPM_HEALTH_HISTORY_SIZE: String(max + 1) } });
    expect(loaded.config.health.historySize).toBe(max);
    expect(warnings).toEqual([expect.objectContaining({ code: 'out_of_range', key: 'health.historySize', given: max + 1, used: max })]);
    expect(warnings[0]?.message).toContain('MPM_HEALTH_HISTORY_SIZE');
    expect(warnings[0]?.message).toContain(String(max + 1));
    expect(warnings[0]?.message).toContain(`using ${max}`);
  });

  it('from a flag are corrected, with a warning naming the flag', () => {
    const { max } = rangeOf('child.killTimeoutMs');
    const { loaded, warnings } = loadOk({ flags: [{ path: 'child.killTimeoutMs', flag: '--kill-timeout', value: max * 2 }] });
    expect(loaded.config.child.killTimeoutMs).toBe(max);
    expect(warnings).toEqual([expect.objectContaining({ code: 'out_of_range', key: 'child.killTimeoutMs', given: max * 2, used: max })]);
    expect(warnings[0]?.message).toContain('--kill-timeout');
  });

  it('below zero in a file are raised to the minimum', () => {
    const { min } = rangeOf('health.failureThreshold');
    const file = writeConfig({ health: { failureThreshold: -3 } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(loaded.config.health.failureThreshold).toBe(min);
    expect(warnings.map((warning) => warning.code)).toEqual(['out_of_range']);
  });

  it('below zero are corrected the same from a variable as from a file', () => {
    const file = writeConfig({ child: { killTimeoutMs: -5 } });
    const fromFile = loadOk({ configFile: file });
    const fromEnv = loadOk({ env: { MPM_CHILD_KILL_TIMEOUT_MS: '-5' } });
    expect(fromEnv.loaded.config.child.killTimeoutMs).toBe(fromFile.loaded.config.child.killTimeoutMs);
    expect(fromEnv.warnings.map((warning) => warning.code)).toEqual(['out_of_range']);
  });
});

describe('keys that must agree', () => {
  it('raise child.maxRestartDelayMs to child.restartDelayMs', () => {
    const file = writeConfig({ child: { restartDelayMs: '5s', maxRestartDelayMs: '1s' } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(loaded.config.child).toMatchObject({ restartDelayMs: 5000, maxRestartDelayMs: 5000 });
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning', code: 'inconsistent', key: 'child.maxRestartDelayMs', given: '1s', used: 5000 })]);
    expect(warnings[0]?.message).toContain('child.restartDelayMs');
  });

  it('lower a threshold warning level to its critical level', () => {
    const { loaded, warnings } = loadOk({ env: { MPM_HEALTH_THRESHOLDS_CPU_PERCENT_WARNING: '99' } });
    expect(loaded.config.health.thresholds.cpuPercent).toEqual({ warning: 95, critical: 95 });
    expect(warnings).toEqual([expect.objectContaining({ code: 'inconsistent', key: 'health.thresholds.cpuPercent.warning', given: 99, used: 95 })]);
    expect(warnings[0]?.message).toContain('MPM_HEALTH_THRESHOLDS_CPU_PERCENT_WARNING');
  });

  it('are compared after out-of-range values are corrected', () => {
    // restartDelayMs above its maximum is lowered to that maximum; a maxRestartDelayMs
    // between the two is consistent with the value actually used and stays as given.
    const { max: restartCeiling } = rangeOf('child.restartDelayMs');
    const given = restartCeiling + 5 * 60_000;
    const between = restartCeiling + 60_000;
    expect(between).toBeLessThanOrEqual(rangeOf('child.maxRestartDelayMs').max);
    const { loaded, warnings } = loadOk({ env: { MPM_CHILD_RESTART_DELAY_MS: String(given), MPM_CHILD_MAX_RESTART_DELAY_MS: String(between) } });
    expect(loaded.config.child.restartDelayMs).toBe(restartCeiling);
    expect(loaded.config.child.maxRestartDelayMs).toBe(between);
    expect(warnings.map((warning) => `${warning.code} ${warning.key}`)).toEqual(['out_of_range child.restartDelayMs']);
  });
});

describe('unknown names', () => {
  it('in the file are warnings with a suggestion, and the rest still loads', () => {
    const file = writeConfig({ checkIntervalMs: 1000, health: { checkInterval: '1s', probeTimeoutMs: '3s' } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(loaded.config.health.probeTimeoutMs).toBe(3000);
    expect(loaded.config.health.checkIntervalMs).toBe(5000);
    expect(warnings).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'unknown_key', key: 'checkIntervalMs', suggestion: 'health.checkIntervalMs' }),
      expect.objectContaining({ severity: 'warning', code: 'unknown_key', key: 'health.checkInterval', suggestion: 'health.checkIntervalMs' }),
    ]);
    expect(warnings[1]?.message).toContain(file);
    expect(warnings[1]?.message).toContain('did you mean "health.checkIntervalMs"');
  });

  it('in the file keep the warning on one line whatever the key', () => {
    const file = writeConfig('{"log\\nlevel": "debug"}');
    const { warnings } = loadOk({ configFile: file });
    expect(warnings.map((warning) => warning.code)).toEqual(['unknown_key']);
  });

  it('in the environment are warnings with a suggestion', () => {
    const { loaded, warnings } = loadOk({ env: { MPM_LOG_LEVL: 'debug' } });
    expect(loaded.config.log.level).toBe('info');
    expect(warnings).toEqual([expect.objectContaining({ code: 'unknown_key', key: 'MPM_LOG_LEVL', suggestion: 'MPM_LOG_LEVEL' })]);
    expect(warnings[0]?.message).toContain('MPM_LOG_LEVL');
    expect(warnings[0]?.message).toContain('MPM_LOG_LEVEL');
  });

  it('named after a flag point to that flag\'s key', () => {
    const { warnings } = loadOk({ env: { MPM_PORT: '3000', MPM_KILL_TIMEOUT: '5s' } });
    expect(warnings.map((warning) => warning.suggestion)).toEqual(['MPM_CHILD_PORT', 'MPM_CHILD_KILL_TIMEOUT_MS']);
  });

  it('outside the MPM_ prefix, MPM_CONFIG and $schema are not warned about', () => {
    const file = writeConfig({ $schema: './schema.json', name: 'chat' });
    const { loaded, warnings } = loadOk({ configFile: file, env: { PATH: '/usr/bin', HOME: '/root', MPM_CONFIG: file } });
    expect(loaded.config.name).toBe('chat');
    expect(warnings).toEqual([]);
  });
});

describe('the service name', () => {
  const nameFromCommand = (command: readonly string[]): string => (command.at(-1) ?? 'none').replace(/\.js$/, '');

  it('comes from the command when no layer sets it', () => {
    const { loaded } = loadOk({ commandLine: ['node', 'chat-server.js'], nameFromCommand });
    expect(loaded.config.name).toBe('chat-server');
    expect(sourceOf(loaded, 'name')).toBe('derived from the command');
  });

  it('comes from the command key of the file too', () => {
    const file = writeConfig({ command: ['node', 'from-file.js'] });
    expect(loadOk({ configFile: file, nameFromCommand }).loaded.config.name).toBe('from-file');
  });

  it('is the one a layer sets, even when it equals the default', () => {
    const file = writeConfig({ name: 'socketio-server' });
    expect(loadOk({ configFile: file, commandLine: ['node', 'chat.js'], nameFromCommand }).loaded.config.name).toBe('socketio-server');
    expect(loadOk({ env: { MPM_NAME: 'from-env' }, commandLine: ['node', 'chat.js'], nameFromCommand }).loaded.config.name).toBe('from-env');
    expect(loadOk({ flags: [{ path: 'name', flag: '--name', value: 'from-flag' }], commandLine: ['node', 'chat.js'], nameFromCommand }).loaded.config.name).toBe('from-flag');
  });

  it('is the default when there is no command', () => {
    expect(loadOk({ nameFromCommand }).loaded.config.name).toBe('socketio-server');
  });
});

describe('the loaded config', () => {
  it('is frozen', () => {
    const { config } = loadOk({}).loaded;
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.health.thresholds.cpuPercent)).toBe(true);
    expect(Object.isFrozen(config.env)).toBe(true);
  });
});
