import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

const printEnv = fixturePath('print-env.mjs');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-config-e2e-'));
});

afterEach(async () => {
  await destroyAllSupervisors();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a config file into the test's folder and returns its path. */
function configFile(content: unknown, name = 'mpm.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** Runs a CLI command that ends by itself (config print/validate, a refused start). */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Without the free status port the helper gives a running supervisor: `config print`
  // listens on nothing, and should show the default.
  const supervisor = new SupervisorProcess(args, { env: { MPM_HTTP_PORT: undefined, ...env } });
  const { code } = await supervisor.waitForExit();
  return { code, stdout: supervisor.stdout, stderr: supervisor.stderr };
}

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at |Error:|node:internal/);
}

/** The `env …` line print-env.mjs writes, from the child with this pid or the first one. */
async function childReport(supervisor: SupervisorProcess, from = 0): Promise<LogRecord> {
  return supervisor.waitForRecord((record) => record.source === 'child' && record.message.startsWith('env '), { from, what: 'the child to print its env' });
}

describe('mpm-supervise config validate', () => {
  it('names the file, line and column of a JSON syntax error, and exits 78', async () => {
    const file = configFile('{\n  "health": {\n    "checkIntervalMs": "1s",\n  }\n}\n');
    const { code, stdout, stderr } = await cli(['config', 'validate', '--config', file]);
    expect(code).toBe(78);
    expect(stdout.trimEnd().split('\n')).toEqual([
      `error: ${file}:4:3: not valid JSON: expected a property name in double quotes (is there a trailing comma?)`,
      `${file}: invalid: 1 error, 0 warnings`,
    ]);
    expect(stderr).toBe('');
  });

  it('corrects an out-of-range value with a warning naming key, given and used value, and exits 0', async () => {
    const file = configFile('{\n  "health": { "checkIntervalMs": 20, "failureThresold": 2 },\n  "child": { "killTimeoutMs": "2h" }\n}\n');
    const { code, stdout } = await cli(['config', 'validate', '--config', file]);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      `warning: ${file}:2:38: unknown key "health.failureThresold" (did you mean "health.failureThreshold"?); it is ignored`,
      `warning: ${file}:3:31: child.killTimeoutMs: "2h" is above the maximum 1h; using 1h`,
      `warning: ${file}:2:34: health.checkIntervalMs: 20 is below the minimum 100ms; using 100ms`,
      `${file}: valid, with 3 warnings (corrected values are used, unknown keys ignored)`,
    ]);
  });

  it('refuses a wrong type, naming the key, the value given and what is expected', async () => {
    const file = configFile({ log: { level: 'loud' }, child: { killTimeoutMs: 'soon' } });
    const { code, stdout } = await cli(['config', 'validate', '--config', file]);
    expect(code).toBe(78);
    expect(stdout).toContain(`error: ${file}:6:22: child.killTimeoutMs: expected a duration from 100ms to 1h (milliseconds, or a string like "5s"), got "soon"`);
    expect(stdout).toContain(`error: ${file}:3:14: log.level: expected one of error, warn, info, http, verbose, debug, silly, got "loud"`);
    expect(stdout).toContain(`${file}: invalid: 2 errors, 0 warnings`);
    expectNoStackTrace(stdout);
  });

  it('exits 78 with one line for a config file that does not exist', async () => {
    const { code, stdout } = await cli(['config', 'validate', '--config', join(dir, 'missing.json')]);
    expect(code).toBe(78);
    expect(stdout).toContain(`error: ${join(dir, 'missing.json')}: cannot read the config file: no such file`);
  });
});

describe('mpm-supervise config print', () => {
  it('without print or validate shows its help and exits 64', async () => {
    const { code, stderr } = await cli(['config']);
    expect(code).toBe(64);
    expect(stderr).toMatch(/print \[options\] \[command\.\.\.\] +print the effective config/);
  });

  it('layers defaults < file < MPM_* variables < flags < command line, and says where each value came from', async () => {
    const file = configFile({
      command: ['node', 'from-file.js'],
      child: { killTimeoutMs: '2s', port: 4001 },
      health: { checkIntervalMs: '3s', probeTimeoutMs: 1500 },
      log: { level: 'debug' },
    });
    const { code, stdout, stderr } = await cli(['config', 'print', '--sources', '--config', file, '--log-level', 'error', '--port', '4003', '--', 'node', 'server.js'], {
      MPM_HEALTH_CHECK_INTERVAL_MS: '4s',
      MPM_LOG_LEVEL: 'warn',
      MPM_CHILD_PORT: '4002',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { config, sources } = JSON.parse(stdout) as { config: Record<string, unknown>; sources: Record<string, string> };
    expect(config['health']).toMatchObject({ checkIntervalMs: 4000, probeTimeoutMs: 1500, failureThreshold: 3 });
    expect(config['child']).toMatchObject({ killTimeoutMs: 2000, port: 4003 });
    expect(config['log']).toMatchObject({ level: 'error' });
    expect(config['command']).toEqual(['node', 'server.js']);
    expect(config['name']).toBe('server');
    expect(sources).toMatchObject({
      'health.failureThreshold': 'default',
      'health.probeTimeoutMs': `file ${file}:12`,
      'child.killTimeoutMs': `file ${file}:7`,
      'health.checkIntervalMs': 'env MPM_HEALTH_CHECK_INTERVAL_MS',
      'log.level': 'flag --log-level',
      'child.port': 'flag --port',
      command: 'command line',
      name: 'derived from the command',
    });
  });

  it('finds the file through MPM_CONFIG and prints plain JSON without --sources', async () => {
    const file = configFile({ name: 'chat' });
    const { code, stdout } = await cli(['config', 'print'], { MPM_CONFIG: file });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'chat', http: { host: '127.0.0.1', port: 8766 } });
  });

  it('never prints a secret', async () => {
    const file = configFile({ env: { DB_PASSWORD: 'hunter2-file', NODE_ENV: 'production' } });
    const { code, stdout } = await cli(['config', 'print', '--config', file, '--', 'node', 'server.js', '--api-key=k3y-arg'], {
      MPM_HTTP_TOKEN: 's3cret-token',
    });
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/hunter2-file|s3cret-token|k3y-arg/);
    expect(JSON.parse(stdout)).toMatchObject({
      env: { DB_PASSWORD: '[redacted]', NODE_ENV: 'production' },
      http: { token: '[redacted]' },
      command: ['node', 'server.js', '--api-key=[redacted]'],
    });
  });

  it('exits 78 naming the variable when an MPM_* value has the wrong type', async () => {
    const { code, stdout, stderr } = await cli(['config', 'print'], { MPM_HEALTH_FAILURE_THRESHOLD: 'many' });
    expect(code).toBe(78);
    expect(stdout).toBe('');
    expect(stderr).toBe('mpm-supervise: MPM_HEALTH_FAILURE_THRESHOLD (health.failureThreshold): expected an integer from 1 to 100, got "many"\n');
  });
});

describe('mpm-supervise run with a config', () => {
  it('hands the layered settings to the child: file < environment < flag', async () => {
    const file = configFile({ command: ['node', printEnv], env: { GREETING: 'from-file' }, child: { port: 4001 } });
    const fromFile = new SupervisorProcess(['--config', file], { env: { MPM_HTTP_TOKEN: 's3cret' } });
    // The supervisor's own MPM_* settings (a token among them) are not passed on.
    expect((await childReport(fromFile)).message).toMatch(/^env PORT=4001 GREETING=from-file MPM_HTTP_TOKEN=- args=- /);
    const fromEnv = new SupervisorProcess(['--config', file], { env: { MPM_CHILD_PORT: '4002' } });
    expect((await childReport(fromEnv)).message).toMatch(/^env PORT=4002 GREETING=from-file /);
    const fromFlag = new SupervisorProcess(['--config', file, '--port', '4003', '--', 'node', printEnv, 'cli'], { env: { MPM_CHILD_PORT: '4002' } });
    expect((await childReport(fromFlag)).message).toMatch(/^env PORT=4003 GREETING=from-file MPM_HTTP_TOKEN=- args=cli /);
    expect(fromFlag.events('supervisor_started')[0]).toMatchObject({ name: 'print-env' });
    // Counted by where each value in effect came from: the flag's port hides the variable's.
    // Two of the variables are the test helper's own: MPM_HTTP_PORT=0 and MPM_STATE_DIR.
    expect(fromEnv.events('config_loaded')[0]).toMatchObject({ file, keysFromFile: 2, keysFromEnv: 3, keysFromFlags: 0 });
    expect(fromFlag.events('config_loaded')[0]).toMatchObject({ file, keysFromFile: 1, keysFromEnv: 2, keysFromFlags: 1 });
  });

  it('starts with a corrected value and logs a warning for it and for an unknown key', async () => {
    const file = configFile({ child: { killTimeoutMs: 5 }, helth: {} });
    const supervisor = new SupervisorProcess(['--config', file, '--', 'node', printEnv]);
    await childReport(supervisor);
    expect(supervisor.events('config_warning')).toEqual([
      expect.objectContaining({ level: 'warn', finding: 'unknown_key', key: 'helth', suggestion: 'health' }),
      expect.objectContaining({ level: 'warn', finding: 'out_of_range', key: 'child.killTimeoutMs', given: 5, used: 100, from: `file ${file}:3` }),
    ]);
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
  });

  it('refuses to start on a broken file: exit 78, one line, nothing spawned', async () => {
    const file = configFile('{ "child": { "port": 3000 } ');
    const { code, stdout, stderr } = await cli(['--config', file, '--', 'node', printEnv]);
    expect(code).toBe(78);
    expect(stderr).toBe(`mpm-supervise: ${file}:1:29: not valid JSON: expected '}'\n`);
    expect(stdout).toBe('');
  });

  it('refuses to start on a wrong type in the environment: exit 78 naming the variable', async () => {
    const { code, stderr } = await cli(['--', 'node', printEnv], { MPM_RECOVERY_ENABLED: 'perhaps' });
    expect(code).toBe(78);
    expect(stderr).toBe('mpm-supervise: MPM_RECOVERY_ENABLED (recovery.enabled): expected true or false, got "perhaps"\n');
  });
});

describe('SIGHUP reloads the config of a running supervisor', () => {
  it('applies a valid file at once without restarting the child, and a new command at the next restart', async () => {
    const file = configFile({ command: ['node', printEnv, 'first'], child: { killTimeoutMs: '60s' } });
    const supervisor = new SupervisorProcess(['--config', file], { env: { FIXTURE_IGNORE_SIGTERM: '1' } });
    const first = await childReport(supervisor);
    const firstPid = Number(first['pid']);
    const logFile = join(dir, 'logs', 'supervisor.log');

    configFile({ command: ['node', printEnv, 'second'], child: { killTimeoutMs: '300ms' }, log: { file: 'logs/supervisor.log' } });
    const from = supervisor.records.length;
    supervisor.signal('SIGHUP');
    const reloaded = await supervisor.waitForEvent('config_reloaded', { from });
    expect(reloaded['changes']).toEqual([
      { key: 'command', from: ['node', printEnv, 'first'], to: ['node', printEnv, 'second'], applies: 'next_restart' },
      { key: 'child.killTimeoutMs', from: 60_000, to: 300, applies: 'now' },
      { key: 'log.file', from: null, to: logFile, applies: 'now' },
    ]);
    expect(reloaded.message).toMatch(/child\.killTimeoutMs 1m → 300ms.*; command applies at the next restart of the child$/);
    expect(supervisor.events('child_spawned')).toHaveLength(1);

    // The child ignores SIGTERM: a restart now takes the new 300 ms kill timeout, not 60 s,
    // and the next child runs the new command.
    supervisor.signal('SIGUSR2');
    const escalated = await supervisor.waitForEvent('child_kill_escalated', { from });
    // afterMs is the time it really took; 60 s would mean the old setting was used.
    expect(escalated['afterMs']).toBeGreaterThanOrEqual(300);
    expect(escalated['afterMs']).toBeLessThan(30_000);
    const second = await childReport(supervisor, supervisor.records.indexOf(escalated));
    expect(second.message).toMatch(/args=second /);
    await expectAllGone([firstPid]);

    // The log file named by the reload has the records written since.
    await waitUntil(() => readFileSync(logFile, 'utf8').includes('args=second'), { what: 'the new log file to get the child line' });

    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
  });

  it('refuses an invalid file, logs why, and keeps running on the old config', async () => {
    const file = configFile({ command: ['node', printEnv], child: { killTimeoutMs: '300ms' } });
    const supervisor = new SupervisorProcess(['--config', file], { env: { FIXTURE_IGNORE_SIGTERM: '1' } });
    const child = await childReport(supervisor);

    configFile('{ "child": { "killTimeoutMs": "60s" }, }');
    let from = supervisor.records.length;
    supervisor.signal('SIGHUP');
    const syntax = await supervisor.waitForEvent('config_reload_refused', { from });
    expect(syntax).toMatchObject({ level: 'error', errors: [`${file}:1:40: not valid JSON: expected a property name in double quotes (is there a trailing comma?)`] });
    expect(syntax.message).toMatch(/^config reload refused, the running config stays: /);

    configFile({ command: ['node', printEnv], child: { killTimeoutMs: '60s', stopSignal: 'SIGSTOP' } });
    from = supervisor.records.length;
    supervisor.signal('SIGHUP');
    const type = await supervisor.waitForEvent('config_reload_refused', { from });
    expect(type['errors']).toEqual([expect.stringContaining('child.stopSignal: expected one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, got "SIGSTOP"')]);

    // Still the first child, still the old 300 ms kill timeout.
    expect(supervisor.events('child_spawned')).toHaveLength(1);
    supervisor.signal('SIGTERM');
    const escalated = await supervisor.waitForEvent('child_kill_escalated');
    expect(escalated['afterMs']).toBeGreaterThanOrEqual(300);
    expect(escalated['afterMs']).toBeLessThan(30_000);
    expect((await supervisor.waitForExit()).code).toBe(0);
    await expectAllGone([Number(child['pid'])]);
  });

  it('says so when nothing changed', async () => {
    const file = configFile({ command: ['node', printEnv] });
    const supervisor = new SupervisorProcess(['--config', file]);
    await childReport(supervisor);
    supervisor.signal('SIGHUP');
    expect(await supervisor.waitForEvent('config_reloaded')).toMatchObject({ message: 'config reloaded: nothing changed', changes: [] });
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
  });
});
