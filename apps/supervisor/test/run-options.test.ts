import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CHILD_SETTINGS } from '@mpm/child';
import { defaultConfig, type Config } from '@mpm/config';
import { loadFor, nameFromCommand, runOptionsFrom, UsageError } from '../src/index.js';

const context = { cwd: '/srv/app', stdoutIsTTY: false };

function configFor(commandLine: string[], flags: Array<{ path: string; flag: string; value: unknown }> = [], env: NodeJS.ProcessEnv = {}): Config {
  const outcome = loadFor({ configFile: null, flags, commandLine }, env, context.cwd);
  if (!outcome.ok) throw new Error(outcome.errors.map((error) => error.message).join('\n'));
  return outcome.loaded.config;
}

describe('runOptionsFrom', () => {
  it('fills every setting from the defaults and freezes the result', () => {
    const options = runOptionsFrom(configFor(['node', 'server.js']), context);
    expect(options).toMatchObject({
      name: 'server',
      spec: { command: 'node', args: ['server.js'], cwd: '/srv/app', env: {} },
      port: null,
      child: { killTimeoutMs: 5000, stopSignal: 'SIGTERM' },
      log: { level: 'info', format: 'json', file: null, maxSizeMb: 10, maxFiles: 5 },
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.child)).toBe(true);
    expect(Object.isFrozen(options.spec.env)).toBe(true);
  });

  it('takes the flags, resolving paths against the working directory', () => {
    const config = configFor(
      ['./bin/api'],
      [
        { path: 'name', flag: '--name', value: 'api' },
        { path: 'cwd', flag: '--cwd', value: 'srv' },
        { path: 'child.port', flag: '--port', value: 3000 },
        { path: 'child.killTimeoutMs', flag: '--kill-timeout', value: 1500 },
        { path: 'log.format', flag: '--log-format', value: 'pretty' },
        { path: 'log.level', flag: '--log-level', value: 'debug' },
        { path: 'log.file', flag: '--log-file', value: 'logs/api.log' },
      ],
    );
    expect(runOptionsFrom(config, context)).toMatchObject({
      name: 'api',
      spec: { cwd: '/srv/app/srv', env: { PORT: '3000' } },
      port: 3000,
      child: { killTimeoutMs: 1500 },
      log: { format: 'pretty', level: 'debug', file: '/srv/app/logs/api.log' },
    });
  });

  it('adds the env key to what the child gets, and PORT over it', () => {
    const config: Config = { ...defaultConfig(), command: ['node'], env: { NODE_ENV: 'production', PORT: '1' }, child: { ...defaultConfig().child, port: 4000 } };
    expect(runOptionsFrom(config, context).spec.env).toEqual({ NODE_ENV: 'production', PORT: '4000' });
  });

  it('has a Node child open its inspector on a free loopback port when asked (hang forensics), unless forensics are off', () => {
    expect(runOptionsFrom(configFor(['node']), context).spec.nodeOptions).toEqual(['--inspect-port=127.0.0.1:0']);
    const off = configFor(['node'], [], { MPM_RECOVERY_FORENSICS_ENABLED: 'false' });
    expect(runOptionsFrom(off, context).spec.nodeOptions).toEqual([]);
  });

  it('writes pretty lines on a terminal by default', () => {
    expect(runOptionsFrom(configFor(['node']), { ...context, stdoutIsTTY: true }).log.format).toBe('pretty');
  });

  it('refuses a config without a command', () => {
    expect(() => runOptionsFrom(defaultConfig(), context)).toThrow(UsageError);
  });

  it('uses the child defaults of @mpm/child when nothing is set', () => {
    const { child } = runOptionsFrom(configFor(['node']), context);
    expect(child).toEqual(DEFAULT_CHILD_SETTINGS);
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
    [['./.hidden'], 'hidden'],
  ])('names %j %j', (commandLine, name) => {
    expect(nameFromCommand(commandLine)).toBe(name);
  });

  it('is used only when no layer sets a name', () => {
    expect(configFor(['node', 'server.js']).name).toBe('server');
    expect(configFor(['node', 'server.js'], [], { MPM_NAME: 'chat' }).name).toBe('chat');
  });
});
