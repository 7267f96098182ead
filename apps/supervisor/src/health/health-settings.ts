import { redactUrl, type Config } from '@mpm/config';
import type { MonitorSettings, ProbeAddress } from '@mpm/health';
import type { ReadyMessage } from '@mpm/protocol';

/** The monitor's settings from the config: `health.*` and `child.startupTimeoutMs`. */
export function monitorSettingsFrom(config: Config): MonitorSettings {
  const { health } = config;
  return Object.freeze({
    intervalMs: health.checkIntervalMs,
    probeTimeoutMs: health.probeTimeoutMs,
    failureThreshold: health.failureThreshold,
    historySize: health.historySize,
    startupTimeoutMs: config.child.startupTimeoutMs,
    thresholds: health.thresholds,
    memoryLimitMb: config.child.maxMemoryMb,
  });
}

/**
 * Where to probe a child, first match wins: `health.probeUrl`, then the port the child
 * was started with (`--port`), then the port its agent reported in `mpm:ready`.
 */
export function probeAddressFor(probeUrl: string | null, spawnPort: number | null, ready: ReadyMessage | undefined): ProbeAddress | undefined {
  if (probeUrl !== null) {
    const url = new URL(probeUrl);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port, url: probeUrl, shownUrl: redactUrl(probeUrl), source: 'probe_url' };
  }
  if (spawnPort !== null) return loopback(spawnPort, 'port');
  if (ready?.port != null && ready.port > 0) return loopback(ready.port, 'agent', ready.address === '::1' ? '::1' : '127.0.0.1');
  return undefined;
}

/** The probes stay on this machine: a server bound to every address is reached on loopback. */
function loopback(port: number, source: ProbeAddress['source'], host = '127.0.0.1'): ProbeAddress {
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  return { host, port, url, shownUrl: url, source };
}
