import { describe, expect, it } from '@jest/globals';
import { childEnvironment, type ChildSpec } from '../src/index.js';

const spec = (overrides: Partial<ChildSpec> = {}): ChildSpec => ({ command: 'node', args: [], cwd: '/', env: {}, ipc: false, ...overrides });

describe('childEnvironment', () => {
  const inherited = { PATH: '/usr/bin', MPM_HTTP_TOKEN: 'secret', MPM_LOG_LEVEL: 'debug', NODE_ENV: 'development', EMPTY: undefined };

  it('passes the supervisor environment on, with the spec variables over it', () => {
    expect(childEnvironment(spec({ env: { NODE_ENV: 'production', PORT: '3000' } }), inherited)).toEqual({
      PATH: '/usr/bin',
      MPM_HTTP_TOKEN: 'secret',
      MPM_LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      PORT: '3000',
    });
  });

  it('hides the variables with the given prefix, unless the spec sets them itself', () => {
    expect(childEnvironment(spec({ hideEnvPrefix: 'MPM_', env: { MPM_LOG_LEVEL: 'info' } }), inherited)).toEqual({
      PATH: '/usr/bin',
      NODE_ENV: 'development',
      MPM_LOG_LEVEL: 'info',
    });
  });

  it("puts the spec's nodeOptions ahead of NODE_OPTIONS, so that the user's own options come later and win", () => {
    const options = spec({ nodeOptions: ['--inspect-port=127.0.0.1:0'] });
    expect(childEnvironment(options, { NODE_OPTIONS: '--max-old-space-size=100 --inspect-port=9331' })['NODE_OPTIONS']).toBe('--inspect-port=127.0.0.1:0 --max-old-space-size=100 --inspect-port=9331');
    expect(childEnvironment(options, {})['NODE_OPTIONS']).toBe('--inspect-port=127.0.0.1:0');
    expect(childEnvironment(spec({ nodeOptions: ['--a'], env: { NODE_OPTIONS: '--b' } }), { NODE_OPTIONS: '--c' })['NODE_OPTIONS']).toBe('--a --b');
    expect(childEnvironment(spec(), { NODE_OPTIONS: '--c' })['NODE_OPTIONS']).toBe('--c');
  });
});
