import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dir, loadOk, makeConfigDir, removeConfigDir, sourceOf, writeConfig } from './load-setup.js';

beforeAll(makeConfigDir);
afterAll(removeConfigDir);

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
