import { readConfigText, redactUrl, type Config } from '@mpm/config';
import type { MonitorSettings, ProbeAddress, ProbeTls } from '@mpm/health';
import type { ReadyMessage } from '@mpm/protocol';

type HealthConfig = Config['health'];

/** The monitor's settings from the config: `health.*` and `child.startupTimeoutMs`. */
export function monitorSettingsFrom(config: Config): MonitorSettings {
  const { health } = config;
  const disabled = [...(health.checks.tcp.enabled ? [] : ['network']), ...(health.checks.socketio.enabled ? [] : ['socketio'])];
  return Object.freeze({
    intervalMs: health.checkIntervalMs,
    probeTimeoutMs: health.probeTimeoutMs,
    failureThreshold: health.failureThreshold,
    historySize: health.historySize,
    startupTimeoutMs: config.child.startupTimeoutMs,
    thresholds: health.thresholds,
    memoryLimitMb: config.child.maxMemoryMb,
    disabledCheckers: disabled,
  });
}

/**
 * Where to probe a child, first match wins: `health.probeUrl`, then the port the child
 * was started with (`--port`), then the port its agent reported in `mpm:ready`.
 */
export function probeAddressFor(health: HealthConfig, tls: ProbeTls, spawnPort: number | null, ready: ReadyMessage | undefined): ProbeAddress | undefined {
  const path = health.probePath;
  if (health.probeUrl !== null) {
    const url = new URL(health.probeUrl);
    const secure = url.protocol === 'https:' || url.protocol === 'wss:';
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port, url: health.probeUrl, shownUrl: redactUrl(health.probeUrl), source: 'probe_url', path, tls };
  }
  if (spawnPort !== null) return loopback(spawnPort, 'port', path, tls);
  if (ready?.port != null && ready.port > 0) return loopback(ready.port, 'agent', path, tls, ready.address === '::1' ? '::1' : '127.0.0.1');
  return undefined;
}

/**
 * The probes stay on this machine: a server bound to every address is reached on
 * loopback, and one that bound only [::1] (a "localhost" that resolved to IPv6) is looked
 * for there when nothing listens on 127.0.0.1.
 */
function loopback(port: number, source: ProbeAddress['source'], path: string, tls: ProbeTls, host = '127.0.0.1'): ProbeAddress {
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  const address: ProbeAddress = { host, port, url, shownUrl: url, source, path, tls };
  return host === '127.0.0.1' ? { ...address, fallback: loopback(port, source, path, tls, '::1') } : address;
}

/**
 * health.probeCaFile and health.probeInsecure as the probe uses them. The file is read
 * once per config (a reload reads it again); a file that cannot be read is the probe's
 * problem, shown on its metric, never the server's.
 */
export function probeTlsFrom(health: HealthConfig): ProbeTls {
  const rejectUnauthorized = !health.probeInsecure;
  if (health.probeCaFile === null) return { rejectUnauthorized };
  const read = readConfigText(health.probeCaFile, 'health.probeCaFile');
  if (!read.ok) return { rejectUnauthorized, problem: read.finding.message };
  if (!read.text.includes('-----BEGIN CERTIFICATE-----')) return { rejectUnauthorized, problem: `${health.probeCaFile}: health.probeCaFile holds no PEM certificate` };
  return { rejectUnauthorized, ca: read.text };
}
