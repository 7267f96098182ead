import { describe, expect, it } from '@jest/globals';
import { diffConfigs, isSecretName, loadConfig, REDACTED, redactArgs, redactConfig, redactUrl, redactValue, type Config } from '../src/index.js';

/** A valid config built the way the supervisor builds one, from an in-memory environment. */
function configFrom(env: Record<string, string>): Config {
  const outcome = loadConfig({ configFile: null, env, flags: [], commandLine: [], cwd: '/' });
  if (!outcome.ok) throw new Error(`config did not load: ${outcome.errors.map((error) => error.message).join(' | ')}`);
  return outcome.loaded.config;
}

const childEnv = {
  DB_PASSWORD: 'pw-1',
  API_KEY: 'key-2',
  SESSION_SECRET: 'secret-3',
  GITHUB_TOKEN: 'token-4',
  NODE_ENV: 'production',
  PORT: '3000',
};

describe('isSecretName', () => {
  it.each(['DB_PASSWORD', 'API_KEY', 'SESSION_SECRET', 'GITHUB_TOKEN', 'password', '--token', 'AWS_SECRET_ACCESS_KEY', 'SSH_KEY', 'passwd'])('takes %s for a secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(['NODE_ENV', 'PORT', 'HOST', 'LOG_LEVEL', '--port', 'MONKEY', 'KEYBOARD_LAYOUT'])('takes %s for an ordinary name', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('redactConfig', () => {
  const config = configFrom({ MPM_HTTP_TOKEN: 'bearer-xyz', MPM_ENV: JSON.stringify(childEnv), MPM_LOG_LEVEL: 'debug' });

  it('hides http.token and the child variables whose names look secret', () => {
    const shown = redactConfig(config);
    expect(shown['http']).toMatchObject({ token: REDACTED, port: 8766 });
    expect(shown['env']).toEqual({
      DB_PASSWORD: REDACTED,
      API_KEY: REDACTED,
      SESSION_SECRET: REDACTED,
      GITHUB_TOKEN: REDACTED,
      NODE_ENV: 'production',
      PORT: '3000',
    });
    for (const value of ['bearer-xyz', ...Object.values(childEnv).slice(0, 4)]) expect(JSON.stringify(shown)).not.toContain(value);
  });

  it('keeps everything else as it is, without changing the config', () => {
    const shown = redactConfig(config);
    expect(shown['log']).toEqual(config.log);
    expect(shown['health']).toEqual(config.health);
    expect(config.http.token).toBe('bearer-xyz');
    expect(config.env['DB_PASSWORD']).toBe('pw-1');
  });

  it('shows an unset token as null', () => {
    expect(redactConfig(configFrom({}))['http']).toMatchObject({ token: null });
  });

  it('hides passwords in the command and the probe URL', () => {
    const shown = redactConfig(configFrom({ MPM_COMMAND: JSON.stringify(['node', 'server.js', '--password', 'hunter2']), MPM_HEALTH_PROBE_URL: 'http://admin:hunter2@127.0.0.1:3000' }));
    expect(JSON.stringify(shown)).not.toContain('hunter2');
    expect(shown['command']).toEqual(['node', 'server.js', '--password', REDACTED]);
  });

  it('hides the password of a URL in a child variable', () => {
    const shown = redactConfig(configFrom({ MPM_ENV: JSON.stringify({ DATABASE_URL: 'postgres://app:hunter2@db.internal/app' }) }));
    expect(JSON.stringify(shown)).not.toContain('hunter2');
  });
});

describe('redactArgs', () => {
  it('hides the value of --password=x and of --token x', () => {
    expect(redactArgs(['node', 'server.js', '--password=hunter2', '--token', 'abc123', '--port', '3000'])).toEqual([
      'node',
      'server.js',
      `--password=${REDACTED}`,
      '--token',
      REDACTED,
      '--port',
      '3000',
    ]);
  });

  it('hides the password of a URL', () => {
    const [url] = redactArgs(['redis://app:hunter2@127.0.0.1:6379/0']);
    expect(url).not.toContain('hunter2');
    expect(url).toContain('app:');
    expect(url).toContain('@127.0.0.1:6379/0');
  });

  it('hides the password of a URL given as a flag value', () => {
    const shown = redactArgs(['--database-url=postgres://app:hunter2@db.internal/app']);
    expect(shown.join(' ')).not.toContain('hunter2');
    expect(shown[0]?.startsWith('--database-url=')).toBe(true);
  });

  it('leaves ordinary arguments and the caller’s list alone', () => {
    const args = ['node', '--max-old-space-size=512', 'server.js', 'http://127.0.0.1:3000/'];
    const copy = [...args];
    expect(redactArgs(args)).toEqual(copy);
    expect(args).toEqual(copy);
  });

  it('does not fail on a secret flag at the end', () => {
    expect(redactArgs(['server.js', '--token'])).toEqual(['server.js', '--token']);
  });
});

describe('redactUrl', () => {
  it('hides the password and secret-looking query values', () => {
    const shown = redactUrl('https://user:hunter2@example.com/socket.io/?token=abc123&room=lobby');
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('abc123');
    expect(new URL(shown).username).toBe('user');
    expect(new URL(shown).searchParams.get('room')).toBe('lobby');
  });

  it('returns a URL without secrets, and text that is no URL, unchanged', () => {
    for (const text of ['http://127.0.0.1:3000/socket.io/?EIO=4', 'not a url', '']) expect(redactUrl(text)).toBe(text);
  });
});

describe('redactValue', () => {
  it('hides a secret key but keeps null', () => {
    expect(redactValue('http.token', 'abc')).toBe(REDACTED);
    expect(redactValue('http.token', null)).toBeNull();
    expect(redactValue('http.port', 8766)).toBe(8766);
  });
});

describe('diffConfigs', () => {
  it('lists the keys that changed, with when each applies', () => {
    const before = configFrom({});
    const after = configFrom({ MPM_HEALTH_CHECK_INTERVAL_MS: '1s', MPM_HTTP_PORT: '9000', MPM_CHILD_PORT: '3000' });
    expect(diffConfigs(before, after)).toEqual([
      { key: 'child.port', from: null, to: 3000, applies: 'next_restart' },
      { key: 'health.checkIntervalMs', from: 5000, to: 1000, applies: 'now' },
      { key: 'http.port', from: 8766, to: 9000, applies: 'supervisor_restart' },
    ]);
  });

  it('is empty for equal configs', () => {
    expect(diffConfigs(configFrom({ MPM_LOG_LEVEL: 'warn' }), configFrom({ MPM_LOG_LEVEL: 'warn' }))).toEqual([]);
  });

  it('reports a changed secret without showing either value', () => {
    const before = configFrom({ MPM_HTTP_TOKEN: 'old-token-value', MPM_ENV: '{"DB_PASSWORD": "old-db-pw", "NODE_ENV": "test"}' });
    const after = configFrom({ MPM_HTTP_TOKEN: 'new-token-value', MPM_ENV: '{"DB_PASSWORD": "new-db-pw", "NODE_ENV": "production"}' });
    const changes = diffConfigs(before, after);
    expect(changes.map((change) => change.key)).toEqual(['env', 'http.token']);
    expect(changes[1]).toEqual({ key: 'http.token', from: REDACTED, to: REDACTED, applies: 'supervisor_restart' });
    expect(changes[0]?.to).toEqual({ DB_PASSWORD: REDACTED, NODE_ENV: 'production' });
    const text = JSON.stringify(changes);
    for (const secret of ['old-token-value', 'new-token-value', 'old-db-pw', 'new-db-pw']) expect(text).not.toContain(secret);
  });
});
