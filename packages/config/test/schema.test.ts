import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import Ajv2020 from 'ajv/dist/2020.js';
import { CONFIG_KEYS, configJsonSchema, defaultConfig, defaultConfigDocument, defaultTree, keyByEnv, keyByPath, keysMarkdown, loadConfig } from '../src/index.js';

/** Every key with its default as config/keys.md documents it (linked from docs/design.md §5), written out by hand: a changed default must be changed here too, on purpose. */
const DOCUMENTED_DEFAULTS: Readonly<Record<string, unknown>> = {
  name: 'socketio-server',
  command: null,
  cwd: null,
  env: {},
  'child.port': null,
  'child.stopSignal': 'SIGTERM',
  'child.killTimeoutMs': 5000,
  'child.restartDelayMs': 100,
  'child.maxRestartDelayMs': 30_000,
  'child.minUptimeMs': 10_000,
  'child.startupTimeoutMs': 30_000,
  'child.clearConnectionsSignal': null,
  'health.checkIntervalMs': 5000,
  'health.probeTimeoutMs': 2000,
  'health.failureThreshold': 3,
  'health.historySize': 100,
  'health.probeUrl': null,
  'health.thresholds.cpuPercent.warning': 80,
  'health.thresholds.cpuPercent.critical': 95,
  'health.thresholds.memoryMb.warning': 400,
  'health.thresholds.memoryMb.critical': 500,
  'health.thresholds.openFds.warning': 800,
  'health.thresholds.openFds.critical': 1000,
  'health.thresholds.threads.warning': 64,
  'health.thresholds.threads.critical': 128,
  'health.thresholds.clients.warning': 800,
  'health.thresholds.clients.critical': 1000,
  'health.thresholds.errorsPerMinute.warning': 10,
  'health.thresholds.errorsPerMinute.critical': 60,
  'health.thresholds.eventLoopLagMs.warning': 200,
  'health.thresholds.eventLoopLagMs.critical': 1000,
  'health.thresholds.probeLatencyMs.warning': 500,
  'health.thresholds.probeLatencyMs.critical': 2000,
  'recovery.enabled': true,
  'recovery.failureWindowMs': 300_000,
  'recovery.minActionIntervalMs': 10_000,
  'recovery.verifyTimeoutMs': 30_000,
  'recovery.circuitBreaker.failureThreshold': 5,
  'recovery.circuitBreaker.timeoutMs': 300_000,
  'recovery.circuitBreaker.successThreshold': 3,
  'recovery.circuitBreaker.maxOpenCycles': 3,
  'http.enabled': true,
  'http.host': '127.0.0.1',
  'http.port': 8766,
  'log.level': 'info',
  'log.format': 'auto',
  'log.file': null,
  'log.maxSizeMb': 10,
  'log.maxFiles': 5,
  // Keys added after the first-wave design, each for the reason given.
  'http.token': null,
  'http.insecure': false,
  // The state file's folder (--state-dir): a key like the others.
  stateDir: null,
  // A hard memory limit, as PM2's max_memory_restart (issue 8): off unless set.
  'child.maxMemoryMb': null,
  // Host names the status server answers to without a token, besides its own (DNS rebinding).
  'http.allowedHosts': [],
  // Probes for servers nobody here wrote (issue 20): another path, TLS, a check turned off.
  'health.probePath': '/socket.io/',
  'health.probeCaFile': null,
  'health.probeInsecure': false,
  'health.checks.tcp.enabled': true,
  'health.checks.socketio.enabled': true,
  // Hang forensics (issue 21): a hung child's stack or /proc state before the kill, bounded.
  'recovery.forensics.enabled': true,
  'recovery.forensics.timeoutMs': 1000,
  // Alerts and hooks (issue 21): none unless listed.
  hooks: [],
  // User-defined checks (issue 21): none unless configured.
  'health.custom': [],
};

const configFolder = new URL('../../../config/', import.meta.url);
const readText = (name: string): string => readFileSync(new URL(name, configFolder), 'utf8');
const readJson = (name: string): unknown => JSON.parse(readText(name)) as unknown;

/** Compares a checked-in file with what the schema generates, and says how to fix a difference. */
function expectGenerated(name: string, checkedIn: unknown, generated: unknown): void {
  try {
    expect(checkedIn).toEqual(generated);
  } catch (error) {
    throw new Error(`config/${name} is not what the schema in packages/config/src generates: run \`pnpm config:files\` and commit the result.\n\n${(error as Error).message}`, { cause: error });
  }
}

/** Paths of the objects inside a value that are not frozen. */
function unfrozenPaths(value: unknown, path = '(root)'): string[] {
  if (value === null || typeof value !== 'object') return [];
  const own = Object.isFrozen(value) ? [] : [path];
  return [...own, ...Object.entries(value).flatMap(([name, child]) => unfrozenPaths(child, `${path}.${name}`))];
}

function validatorOfCheckedInSchema() {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(readJson('schema.json') as object);
}

describe('config keys', () => {
  it('are the keys of config/keys.md with their documented defaults', () => {
    const actual = Object.fromEntries(CONFIG_KEYS.map((key) => [key.path, key.meta.default]));
    expect(actual).toEqual(DOCUMENTED_DEFAULTS);
  });

  it('mark http.token, and only it, as a secret', () => {
    expect(CONFIG_KEYS.filter((key) => key.meta.secret).map((key) => key.path)).toEqual(['http.token']);
  });

  it('are found by path', () => {
    expect(keyByPath('health.thresholds.memoryMb.critical')?.meta.default).toBe(500);
    expect(keyByPath('health.thresholds')).toBeUndefined();
    expect(keyByPath('health.checkInterval')).toBeUndefined();
  });
});

describe('environment variable names', () => {
  it.each([
    ['health.checkIntervalMs', 'MPM_HEALTH_CHECK_INTERVAL_MS'],
    ['recovery.circuitBreaker.timeoutMs', 'MPM_RECOVERY_CIRCUIT_BREAKER_TIMEOUT_MS'],
    ['http.token', 'MPM_HTTP_TOKEN'],
    ['child.killTimeoutMs', 'MPM_CHILD_KILL_TIMEOUT_MS'],
    ['log.level', 'MPM_LOG_LEVEL'],
    ['name', 'MPM_NAME'],
  ])('%s is set by %s', (path, variable) => {
    expect(keyByPath(path)?.env).toBe(variable);
    expect(keyByEnv(variable)?.path).toBe(path);
  });

  it('are unique', () => {
    const names = CONFIG_KEYS.map((key) => key.env);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('defaultConfig', () => {
  it('equals the default tree', () => {
    expect(defaultConfig()).toEqual(defaultTree());
  });

  it('is frozen all the way down', () => {
    expect(unfrozenPaths(defaultConfig())).toEqual([]);
  });
});

describe('checked-in config files', () => {
  it('config/default.json is generated from the schema', () => {
    expectGenerated('default.json', readJson('default.json'), defaultConfigDocument());
  });

  it('config/schema.json is generated from the schema', () => {
    expectGenerated('schema.json', readJson('schema.json'), configJsonSchema());
  });

  it('config/keys.md is generated from the schema', () => {
    expectGenerated('keys.md', readText('keys.md'), keysMarkdown());
  });

  it('config/default.json and config/example.json are valid by config/schema.json', () => {
    const validate = validatorOfCheckedInSchema();
    for (const name of ['default.json', 'example.json']) {
      const valid = validate(readJson(name));
      expect({ name, valid, errors: validate.errors ?? null }).toEqual({ name, valid: true, errors: null });
    }
  });

  it('config/schema.json rejects a value of the wrong type', () => {
    const validate = validatorOfCheckedInSchema();
    expect(validate({ health: { checkIntervalMs: true } })).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain('/health/checkIntervalMs');
    expect(validate({ child: { killTimeoutMs: 'soon' } })).toBe(false);
    expect(validate({ http: { port: 'eighty' } })).toBe(false);
  });

  it('config/schema.json rejects an unknown key at the top level', () => {
    const validate = validatorOfCheckedInSchema();
    expect(validate({ checkIntervalMs: 1000 })).toBe(false);
    expect(validate.errors?.[0]?.params).toEqual({ additionalProperty: 'checkIntervalMs' });
  });

  it('config/schema.json rejects an unknown key inside a group, as the loader warns about it', () => {
    const validate = validatorOfCheckedInSchema();
    expect(validate({ health: { checkInterval: '5s' } })).toBe(false);
    expect(validate({ health: { thresholds: { cpuPercent: { warn: 50 } } } })).toBe(false);
  });

  it('config/example.json loads with no warnings and the values it shows', () => {
    const file = fileURLToPath(new URL('example.json', configFolder));
    const outcome = loadConfig({ configFile: file, env: {}, flags: [], commandLine: [], cwd: '/' });
    if (!outcome.ok) throw new Error(`example.json did not load: ${outcome.errors.map((error) => error.message).join('; ')}`);
    expect(outcome.warnings).toEqual([]);
    const { config } = outcome.loaded;
    expect(config.name).toBe('chat');
    expect(config.child.killTimeoutMs).toBe(15_000);
    expect(config.child.maxRestartDelayMs).toBe(60_000);
    expect(config.health.thresholds.eventLoopLagMs).toEqual({ warning: 250, critical: 2000 });
    expect(config.recovery.circuitBreaker.timeoutMs).toBe(300_000);
    expect(config.health.custom.map((check) => [check.name, check.type, check.maxAction])).toEqual([
      ['redis', 'tcp', 'log_warning'],
      ['api', 'http', 'restart_service'],
    ]);
  });

  it('config/schema.json checks a user-defined check by its type: its own fields, and those it needs', () => {
    const validate = validatorOfCheckedInSchema();
    const custom = (entry: unknown): unknown => ({ health: { custom: [entry] } });
    expect(validate(custom({ name: 'db', type: 'tcp', port: 5432, timeoutMs: '1s' }))).toBe(true);
    expect(validate(custom({ name: 'db', type: 'tcp' }))).toBe(false);
    expect(validate(custom({ name: 'db', type: 'tcp', port: 5432, url: 'http://x' }))).toBe(false);
    expect(validate(custom({ name: 'db', type: 'smtp', port: 25 }))).toBe(false);
  });
});
