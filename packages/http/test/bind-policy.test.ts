import { describe, expect, it } from '@jest/globals';
import { UnsafeBindingError, assertSafeBinding, isLoopbackHost } from '../src/index.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LocalHost', '127.0.0.1', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', ' 127.0.0.1 '])('takes %s for loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '[::]', '10.0.0.1', '192.168.1.20', '128.0.0.1', '::ffff:10.0.0.1', '::2', 'example.com', 'localhost.example.com', '127.0.0.1.nip.io', '', 'fe80::1'])(
    'takes %s for reachable from elsewhere',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('assertSafeBinding', () => {
  it.each([
    { host: '127.0.0.1', token: null, insecure: false },
    { host: 'localhost', token: undefined, insecure: false },
    { host: '::1', token: '', insecure: false },
    { host: '0.0.0.0', token: 's3cret', insecure: false },
    { host: '0.0.0.0', token: null, insecure: true },
    { host: '192.168.1.20', token: '', insecure: true },
  ])('allows $host with token $token and insecure $insecure', (binding) => {
    expect(() => assertSafeBinding(binding)).not.toThrow();
  });

  it.each([
    { host: '0.0.0.0', token: null },
    { host: '::', token: undefined },
    { host: '192.168.1.20', token: '' },
  ])('refuses $host with token $token', ({ host, token }) => {
    let thrown: unknown;
    try {
      assertSafeBinding({ host, token, insecure: false });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsafeBindingError);
    expect(thrown).toMatchObject({ name: 'UnsafeBindingError', host });
    const { message } = thrown as Error;
    expect(message).toBe(
      `refusing to serve the status server on ${host} without a token: anyone who can reach it could read /diagnostics; set MPM_HTTP_TOKEN, or pass --http-insecure if the network is trusted`,
    );
  });
});
