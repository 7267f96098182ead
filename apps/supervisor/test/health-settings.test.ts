import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { defaultConfig, type Config } from '@mpm/config';
import { monitorSettingsFrom, probeAddressFor, probeTlsFrom } from '../src/health/health-settings.js';

function health(changes: Partial<Config['health']> = {}): Config['health'] {
  return { ...defaultConfig().health, ...changes };
}

const tls = { rejectUnauthorized: true };
const withUrl = (probeUrl: string): Config['health'] => health({ probeUrl });

describe('probeAddressFor', () => {
  const ready = { type: 'mpm:ready' as const, port: 4100, address: '::' };
  const common = { path: '/socket.io/', tls };

  it('prefers health.probeUrl, then the port the child was given, then the agent', () => {
    expect(probeAddressFor(withUrl('http://127.0.0.1:4300/admin'), tls, 4200, ready)).toEqual({
      host: '127.0.0.1',
      port: 4300,
      url: 'http://127.0.0.1:4300/admin',
      shownUrl: 'http://127.0.0.1:4300/admin',
      source: 'probe_url',
      ...common,
    });
    expect(probeAddressFor(health(), tls, 4200, ready)).toMatchObject({ host: '127.0.0.1', port: 4200, url: 'http://127.0.0.1:4200', source: 'port', ...common });
    expect(probeAddressFor(health(), tls, null, ready)).toMatchObject({ host: '127.0.0.1', port: 4100, url: 'http://127.0.0.1:4100', source: 'agent', ...common });
    expect(probeAddressFor(health(), tls, null, undefined)).toBeUndefined();
  });

  it('looks for a loopback port on [::1] when nothing listens on 127.0.0.1, but never for an explicit URL', () => {
    expect(probeAddressFor(health(), tls, 4200, undefined)?.fallback).toMatchObject({ host: '::1', port: 4200, url: 'http://[::1]:4200' });
    expect(probeAddressFor(withUrl('http://127.0.0.1:4300'), tls, null, undefined)?.fallback).toBeUndefined();
  });

  it('carries health.probePath, the engine path, apart from the namespace in the URL', () => {
    const address = probeAddressFor(health({ probeUrl: 'http://127.0.0.1:4300/admin', probePath: '/realtime/' }), tls, null, undefined);
    expect(address).toMatchObject({ url: 'http://127.0.0.1:4300/admin', path: '/realtime/' });
  });

  it('hides a password or token in health.probeUrl from what is shown, and probes with the real URL', () => {
    const address = probeAddressFor(withUrl('http://probe:hunter2@127.0.0.1:4300/?token=abc123&room=1'), tls, null, undefined);
    expect(address?.url).toBe('http://probe:hunter2@127.0.0.1:4300/?token=abc123&room=1');
    expect(address?.shownUrl).not.toMatch(/hunter2|abc123/);
    expect(address?.shownUrl).toMatch(/room=1/);
  });

  it('reaches an agent on IPv6 loopback there, and a URL without a port on its scheme default', () => {
    expect(probeAddressFor(health(), tls, null, { ...ready, address: '::1' })).toMatchObject({ host: '::1', url: 'http://[::1]:4100' });
    expect(probeAddressFor(withUrl('https://[::1]/'), tls, null, undefined)).toMatchObject({ host: '::1', port: 443 });
    expect(probeAddressFor(health(), tls, null, { ...ready, port: null })).toBeUndefined();
  });
});

describe('probeTlsFrom', () => {
  const folder = mkdtempSync(join(tmpdir(), 'mpm-probe-tls-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('checks certificates unless health.probeInsecure says not to', () => {
    expect(probeTlsFrom(health())).toEqual({ rejectUnauthorized: true });
    expect(probeTlsFrom(health({ probeInsecure: true }))).toEqual({ rejectUnauthorized: false });
  });

  it('reads health.probeCaFile, and says in one line why a file it cannot use is refused', () => {
    const pem = join(folder, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(probeTlsFrom(health({ probeCaFile: pem }))).toEqual({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    const missing = probeTlsFrom(health({ probeCaFile: join(folder, 'nope.pem') }));
    expect(missing.problem).toMatch(/nope\.pem: cannot read the health\.probeCaFile: no such file$/);
    expect(probeTlsFrom(health({ probeCaFile: folder })).problem).toMatch(/it is a directory, not a regular file$/);
    const text = join(folder, 'notes.txt');
    writeFileSync(text, 'hello');
    expect(probeTlsFrom(health({ probeCaFile: text })).problem).toMatch(/holds no PEM certificate$/);
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
      disabledCheckers: [],
    });
  });

  it('turns off the checkers of health.checks.*.enabled false', () => {
    const config = defaultConfig();
    const off = { ...config, health: { ...config.health, checks: { tcp: { enabled: false }, socketio: { enabled: false } } } };
    expect(monitorSettingsFrom(off).disabledCheckers).toEqual(['network', 'socketio']);
  });
});
