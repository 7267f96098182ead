// The Kubernetes manifests users copy (config/k8s) against the supervisor's own defaults
// and contract (docs/design.md §5, §6): a grace period shorter than the child's kill timeout, or a
// probe on the wrong port, would only show up on a production cluster.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defaultConfig, keyByEnv } from '@mpm/config';
import { repoRoot } from '../helpers/supervisor.js';
import { ms, SHUTDOWN_MARGIN_MS } from './deploy-files.js';
import { at, list, parseYaml, type Yaml } from './yaml-subset.js';

const deploymentPath = join(repoRoot, 'config/k8s/deployment.yaml');
const servicePath = join(repoRoot, 'config/k8s/service.yaml');

/** Kubernetes memory quantities (`768Mi`, `1Gi`, `500M`) in MiB. */
function mebibytes(quantity: Yaml): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(String(quantity));
  if (match === null) throw new Error(`not a memory quantity: ${String(quantity)}`);
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };
  return Number(match[1]) * (match[2] === undefined ? 1 / 2 ** 20 : factor[match[2]]!);
}

describe('config/k8s', () => {
  const deployment = parseYaml(readFileSync(deploymentPath, 'utf8'));
  const service = parseYaml(readFileSync(servicePath, 'utf8'));
  const pod = at(deployment, 'spec', 'template');
  const container = at(pod, 'spec', 'containers', 0);
  const command = list(at(container, 'command')).map(String);
  const env = new Map(list(at(container, 'env')).map((variable) => [String(at(variable, 'name')), variable]));
  const envValue = (name: string): string | undefined => {
    const variable = env.get(name);
    return variable === undefined ? undefined : String(at(variable, 'value'));
  };
  /** A flag's value from the supervisor's part of the command line. */
  const flag = (name: string): string | undefined => {
    const own = command.slice(0, command.indexOf('--'));
    const index = own.indexOf(name);
    return index === -1 ? undefined : own[index + 1];
  };
  const defaults = defaultConfig();
  const statusPort = Number(flag('--http-port') ?? envValue('MPM_HTTP_PORT') ?? defaults.http.port);
  const containerPorts = list(at(container, 'ports'));

  it('runs the supervisor as PID 1 with the server after --, and sets only MPM_* variables that are config keys', () => {
    expect(command.slice(0, 2)).toEqual(['node', '/app/mpm-supervise.mjs']);
    expect(command.indexOf('--')).toBeGreaterThan(1);
    expect(command.slice(command.indexOf('--') + 1)).toEqual(['node', '/app/server.js']);
    const unknown = [...env.keys()].filter((name) => name.startsWith('MPM_') && keyByEnv(name) === undefined);
    expect(unknown).toEqual([]);
    // A status server on the pod IP needs --http-insecure or a token, or the supervisor refuses to start.
    const host = flag('--http-host') ?? envValue('MPM_HTTP_HOST') ?? defaults.http.host;
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) expect(command.includes('--http-insecure') || env.has('MPM_HTTP_TOKEN')).toBe(true);
    // Service links would add MPM_* variables of their own for a Service named mpm-….
    expect(at(pod, 'spec', 'enableServiceLinks')).toBe(false);
  });

  it('gives the pod enough grace for the preStop sleep, the child’s kill timeout and the supervisor’s exit', () => {
    const killTimeout = envValue('MPM_CHILD_KILL_TIMEOUT_MS');
    expect(killTimeout).toBeDefined(); // explicit, because the grace period is computed from it
    const preStopSeconds = at(container, 'lifecycle', 'preStop', 'sleep', 'seconds');
    expect(typeof preStopSeconds).toBe('number');
    const grace = at(pod, 'spec', 'terminationGracePeriodSeconds');
    expect(typeof grace).toBe('number');
    expect(grace as number).toBeGreaterThanOrEqual(ms(killTimeout) / 1000 + (preStopSeconds as number) + SHUTDOWN_MARGIN_MS / 1000);
  });

  it('probes the supervisor for liveness and the child for readiness on the status port', () => {
    const probe = (kind: string): { path: Yaml; port: Yaml } => ({ path: at(container, kind, 'httpGet', 'path'), port: at(container, kind, 'httpGet', 'port') });
    expect(probe('livenessProbe')).toEqual({ path: '/health/live', port: statusPort });
    expect(probe('readinessProbe')).toEqual({ path: '/health/ready', port: statusPort });
    expect(probe('startupProbe')).toEqual({ path: '/health/live', port: statusPort });
    expect(containerPorts.map((port) => at(port, 'containerPort'))).toEqual(expect.arrayContaining([statusPort, Number(flag('--port'))]));
  });

  it('asks Prometheus to scrape /metrics on the status port', () => {
    const annotations = at(pod, 'metadata', 'annotations');
    expect({
      scrape: at(annotations, 'prometheus.io/scrape'),
      port: at(annotations, 'prometheus.io/port'),
      path: at(annotations, 'prometheus.io/path'),
    }).toEqual({ scrape: 'true', port: String(statusPort), path: '/metrics' });
  });

  it('runs locked down, with a memory limit above the child’s critical threshold plus the supervisor', () => {
    const podSecurity = at(pod, 'spec', 'securityContext');
    const security = at(container, 'securityContext');
    expect(at(podSecurity, 'runAsNonRoot')).toBe(true);
    expect(at(security, 'readOnlyRootFilesystem')).toBe(true);
    expect(at(security, 'allowPrivilegeEscalation')).toBe(false);
    expect(at(security, 'capabilities', 'drop')).toEqual(['ALL']);
    const critical = Number(envValue('MPM_HEALTH_THRESHOLDS_MEMORY_MB_CRITICAL') ?? defaults.health.thresholds.memoryMb.critical);
    expect(mebibytes(at(container, 'resources', 'limits', 'memory'))).toBeGreaterThan(critical + 100);
  });

  it('has a Service for the Socket.IO port that selects the deployment’s pods', () => {
    const socketPort = Number(flag('--port'));
    const servicePort = at(service, 'spec', 'ports', 0);
    const target = at(servicePort, 'targetPort');
    const named = containerPorts.find((port) => at(port, 'name') === target || at(port, 'containerPort') === target);
    expect(named === undefined ? undefined : at(named, 'containerPort')).toBe(socketPort);
    const selector = at(service, 'spec', 'selector') as Record<string, Yaml>;
    const labels = at(pod, 'metadata', 'labels') as Record<string, Yaml>;
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(labels).toEqual(expect.objectContaining(selector));
  });
});
