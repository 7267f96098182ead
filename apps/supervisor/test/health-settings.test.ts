import { describe, expect, it } from '@jest/globals';
import { defaultConfig } from '@mpm/config';
import { monitorSettingsFrom, probeAddressFor } from '../src/health/health-settings.js';

describe('probeAddressFor', () => {
  const ready = { type: 'mpm:ready' as const, port: 4100, address: '::' };

  it('prefers health.probeUrl, then the port the child was given, then the agent', () => {
    expect(probeAddressFor('http://127.0.0.1:4300/admin', 4200, ready)).toEqual({ host: '127.0.0.1', port: 4300, url: 'http://127.0.0.1:4300/admin', shownUrl: 'http://127.0.0.1:4300/admin', source: 'probe_url' });
    expect(probeAddressFor(null, 4200, ready)).toEqual({ host: '127.0.0.1', port: 4200, url: 'http://127.0.0.1:4200', shownUrl: 'http://127.0.0.1:4200', source: 'port' });
    expect(probeAddressFor(null, null, ready)).toEqual({ host: '127.0.0.1', port: 4100, url: 'http://127.0.0.1:4100', shownUrl: 'http://127.0.0.1:4100', source: 'agent' });
    expect(probeAddressFor(null, null, undefined)).toBeUndefined();
  });

  it('hides a password or token in health.probeUrl from what is shown, and probes with the real URL', () => {
    const address = probeAddressFor('http://probe:hunter2@127.0.0.1:4300/?token=abc123&room=1', null, undefined);
    expect(address?.url).toBe('http://probe:hunter2@127.0.0.1:4300/?token=abc123&room=1');
    expect(address?.shownUrl).not.toMatch(/hunter2|abc123/);
    expect(address?.shownUrl).toMatch(/room=1/);
  });

  it('reaches an agent on IPv6 loopback there, and a URL without a port on its scheme default', () => {
    expect(probeAddressFor(null, null, { ...ready, address: '::1' })).toMatchObject({ host: '::1', url: 'http://[::1]:4100' });
    expect(probeAddressFor('https://[::1]/', null, undefined)).toMatchObject({ host: '::1', port: 443 });
    expect(probeAddressFor(null, null, { ...ready, port: null })).toBeUndefined();
  });
});

describe('monitorSettingsFrom', () => {
  it('takes the health keys, the startup timeout and the memory limit', () => {
    const config = defaultConfig();
    expect(monitorSettingsFrom(config)).toEqual({
      intervalMs: 5000,
      probeTimeoutMs: 2000,
      failureThreshold: 3,
      historySize: 100,
      startupTimeoutMs: 30_000,
      thresholds: config.health.thresholds,
      memoryLimitMb: null,
    });
  });
});
