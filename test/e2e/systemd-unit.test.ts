// The deployment files users copy (config/systemd, config/k8s) against the tools that
// read them and against the supervisor's own defaults and contract (docs/design.md §5, §6): a
// unit that systemd rejects, or a stop timeout shorter than the child's kill timeout,
// would only show up on a production machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultConfig, keyByEnv, parseDuration } from '@mpm/config';
import { cliPath, repoRoot } from '../helpers/supervisor.js';

const unitPath = join(repoRoot, 'config/systemd/mpm-supervise.service');
const unitConfigPath = join(repoRoot, 'config/systemd/config.json');
const deploymentPath = join(repoRoot, 'config/k8s/deployment.yaml');
const servicePath = join(repoRoot, 'config/k8s/service.yaml');

/** The paths the unit names on a real machine, and what stands in for them here. */
const INSTALLED_NODE = '/usr/bin/node';
const INSTALLED_ENTRY = '/usr/local/lib/mpm-supervise/mpm-supervise.mjs';
const INSTALLED_CONFIG = '/etc/mpm-supervise/config.json';
const bundlePath = join(repoRoot, 'apps/supervisor/bundle/mpm-supervise.mjs');

/** docs/design.md §5: exit codes that a restart cannot fix, and those it may. */
const EXIT_USAGE = 64;
const EXIT_CONFIG = 78;
const EXIT_GAVE_UP = 75;
const EXIT_INTERNAL = 1;

/** What the supervisor needs beyond the child's kill timeout to stop and exit (ms). */
const SHUTDOWN_MARGIN_MS = 5_000;

// ---------------------------------------------------------------------------------------
// A unit file: sections of keys, each key with every value it was given, in order.

type Unit = Map<string, Map<string, string[]>>;

function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  // A line ending in a backslash continues on the next one (systemd.syntax(7)).
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = unit.get(header[1]!) ?? new Map<string, string[]>();
      unit.set(header[1]!, section);
      continue;
    }
    const assignment = /^([A-Za-z0-9]+)\s*=\s*(.*)$/.exec(line);
    if (assignment === null || section === undefined) throw new Error(`not a unit file line: ${JSON.stringify(raw)}`);
    const values = section.get(assignment[1]!) ?? [];
    values.push(assignment[2]!);
    section.set(assignment[1]!, values);
  }
  return unit;
}

/** The value a key ends up with (the last assignment wins); undefined when not set. */
function setting(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

const TIMESPAN_UNITS_MS: Record<string, number> = {
  us: 0.001, usec: 0.001, ms: 1, msec: 1,
  s: 1_000, sec: 1_000, second: 1_000, seconds: 1_000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/** A systemd time span (`15s`, `1min 30s`, `90` = seconds) in milliseconds. */
function timespanMs(text: string | undefined): number {
  if (text === undefined) throw new Error('time span not set');
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1_000;
  let total = 0;
  let rest = trimmed;
  while (rest !== '') {
    const part = /^(\d+(?:\.\d+)?)\s*([a-z]+)\s*/.exec(rest);
    const factor = part === null ? undefined : TIMESPAN_UNITS_MS[part[2]!];
    if (part === null || factor === undefined) throw new Error(`not a systemd time span: ${JSON.stringify(text)}`);
    total += Number(part[1]) * factor;
    rest = rest.slice(part[0].length);
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// A YAML subset, enough for a Kubernetes manifest: block maps and lists, scalars, quoted
// strings, flow lists of scalars, comments. One document.

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };
interface YamlLine {
  readonly indent: number;
  readonly text: string;
  readonly number: number;
}

function parseYaml(source: string): Yaml {
  const lines: YamlLine[] = [];
  source.split('\n').forEach((raw, index) => {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '' || text.trim() === '---') return;
    lines.push({ indent: text.length - text.trimStart().length, text: text.trimStart(), number: index + 1 });
  });
  let at = 0;

  function fail(line: YamlLine | undefined, why: string): never {
    throw new Error(`YAML line ${line?.number ?? 'end'}: ${why}`);
  }

  function node(indent: number): Yaml {
    const first = lines[at];
    if (first === undefined || first.indent < indent) return null;
    return first.text === '-' || first.text.startsWith('- ') ? list(first.indent) : map(first.indent);
  }

  function list(indent: number): Yaml[] {
    const items: Yaml[] = [];
    for (let line = lines[at]; line !== undefined && line.indent === indent && (line.text === '-' || line.text.startsWith('- ')); line = lines[at]) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        at += 1;
        items.push(node(indent + 1));
      } else if (/^[^"'[{][^:]*:(\s|$)/.test(rest)) {
        // "- key: value" opens a map whose keys line up with "key".
        lines[at] = { indent: indent + line.text.length - rest.length, text: rest, number: line.number };
        items.push(map(lines[at]!.indent));
      } else {
        at += 1;
        items.push(scalar(rest));
      }
    }
    return items;
  }

  function map(indent: number): { [key: string]: Yaml } {
    const result: { [key: string]: Yaml } = {};
    for (let line = lines[at]; line !== undefined && line.indent === indent; line = lines[at]) {
      if (line.text.startsWith('- ')) fail(line, 'a list item where a key was expected');
      const pair = /^("[^"]*"|'[^']*'|[^:]+?):(?:\s+(.*))?$/.exec(line.text);
      if (pair === null) fail(line, `not a key: ${line.text}`);
      const key = String(scalar(pair[1]!));
      at += 1;
      if (pair[2] !== undefined) {
        result[key] = scalar(pair[2]);
        continue;
      }
      const next = lines[at];
      // A list may sit at its key's own indent.
      const nested = next !== undefined && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')));
      result[key] = nested ? node(next.indent) : null;
    }
    const stray = lines[at];
    if (stray !== undefined && stray.indent > indent) fail(stray, 'unexpected indentation');
    return result;
  }

  const document = node(0);
  if (at !== lines.length) fail(lines[at], 'not read');
  return document;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function scalar(text: string): Yaml {
  const value = text.trim();
  if (value.startsWith('"')) return JSON.parse(value) as string;
  if (value.startsWith("'")) return value.slice(1, -1).replaceAll("''", "'");
  if (value.startsWith('[')) {
    const inner = value.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((item) => scalar(item));
  }
  if (value === 'true' || value === 'false') return value === 'true';
  if (value === 'null' || value === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** The value at a path of keys and list indexes; throws naming the path when it is missing. */
function at(value: Yaml, ...path: (string | number)[]): Yaml {
  let current: Yaml = value;
  for (const [index, step] of path.entries()) {
    const next: Yaml | undefined =
      typeof step === 'number'
        ? Array.isArray(current) ? current[step] : undefined
        : current !== null && typeof current === 'object' && !Array.isArray(current) ? current[step] : undefined;
    if (next === undefined) throw new Error(`missing: ${path.slice(0, index + 1).join('.')}`);
    current = next;
  }
  return current;
}

function list(value: Yaml): Yaml[] {
  if (!Array.isArray(value)) throw new Error(`not a list: ${JSON.stringify(value)}`);
  return value;
}

/** Kubernetes memory quantities (`768Mi`, `1Gi`, `500M`) in MiB. */
function mebibytes(quantity: Yaml): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(String(quantity));
  if (match === null) throw new Error(`not a memory quantity: ${String(quantity)}`);
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };
  return Number(match[1]) * (match[2] === undefined ? 1 / 2 ** 20 : factor[match[2]]!);
}

/** Milliseconds from a config value given as a number of ms or a duration string. */
function ms(value: unknown): number {
  const parsed = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : undefined;
  if (parsed === undefined) throw new Error(`not a duration: ${JSON.stringify(value)}`);
  return parsed;
}

function withoutMpmVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MPM_')));
}

// ---------------------------------------------------------------------------------------

describe('config/systemd/mpm-supervise.service', () => {
  const text = readFileSync(unitPath, 'utf8');
  const unit = parseUnit(text);
  const unitConfig = JSON.parse(readFileSync(unitConfigPath, 'utf8')) as { child?: { killTimeoutMs?: unknown; startupTimeoutMs?: unknown }; log?: { file?: unknown } };
  const defaults = defaultConfig();

  describe('systemd-analyze verify', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'mpm-systemd-unit-'));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * The unit as it would be installed, but with this machine's node and a build of the
     * CLI that exists (verify checks that ExecStart's program is executable), verified on
     * its own: systemd need not be running (`verify` loads units without the manager).
     */
    function verify(unitText: string): { status: number | null; output: string; file: string } {
      expect(unitText).toContain(`ExecStart=${INSTALLED_NODE} ${INSTALLED_ENTRY} `);
      const entry = existsSync(bundlePath) ? bundlePath : cliPath;
      const quote = (path: string): string => (/\s/.test(path) ? `"${path}"` : path);
      const file = join(dir, 'mpm-supervise.service');
      writeFileSync(file, unitText.replaceAll(INSTALLED_NODE, quote(process.execPath)).replaceAll(INSTALLED_ENTRY, quote(entry)));
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', '--recursive-errors=no', file], {
        encoding: 'utf8',
        env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: 'cat', SYSTEMD_LOG_LEVEL: 'info' },
        timeout: 30_000,
      });
      if (result.error !== undefined) throw new Error(`systemd-analyze is needed (Debian package systemd; .ci/run installs it): ${result.error.message}`);
      return { status: result.status, output: `${result.stdout}${result.stderr}`, file };
    }

    /** Output lines about our unit: its file, or its name. */
    function aboutUnit(output: string): string[] {
      return output.split('\n').filter((line) => line.includes('mpm-supervise'));
    }

    it('passes, with no warning about the unit', () => {
      const { status, output } = verify(text);
      expect({ status, about: aboutUnit(output), output }).toEqual({ status: 0, about: [], output: expect.any(String) });
    });

    it('does report a broken copy of it (the check above can fail)', () => {
      const broken = verify(text.replace(/^KillMode=mixed$/m, 'KillMode=mixd').replace(/^Type=notify$/m, 'Type=notify\nNotifyAcess=main'));
      expect(aboutUnit(broken.output)).toEqual([
        expect.stringMatching(/mpm-supervise\.service:\d+: Unknown key .*NotifyAcess/),
        expect.stringMatching(/mpm-supervise\.service:\d+: Failed to parse kill mode .*mixd/),
      ]);
      const missing = verify(text.replace(/^ExecReload=\/bin\/kill /m, 'ExecReload=/bin/no-such-kill '));
      expect(missing.status).not.toBe(0);
      expect(aboutUnit(missing.output).join('\n')).toMatch(/no-such-kill is not executable/);
    });
  });

  it('is a notify service that stops the supervisor alone, and gives it time to stop its child', () => {
    expect(setting(unit, 'Service', 'Type')).toBe('notify');
    // The supervisor sends every notification itself, from its own pid.
    expect(setting(unit, 'Service', 'NotifyAccess')).toBe('main');
    expect(setting(unit, 'Service', 'KillMode')).toBe('mixed');
    expect(setting(unit, 'Service', 'KillSignal') ?? 'SIGTERM').toBe('SIGTERM');

    // The stop timeout covers the child's graceful stop (the file's value, else the default) and the supervisor's exit.
    const killTimeoutMs = ms(unitConfig.child?.killTimeoutMs ?? defaults.child.killTimeoutMs);
    expect(killTimeoutMs).toBeGreaterThanOrEqual(defaults.child.killTimeoutMs);
    expect(timespanMs(setting(unit, 'Service', 'TimeoutStopSec'))).toBeGreaterThanOrEqual(killTimeoutMs + SHUTDOWN_MARGIN_MS);

    // READY=1 comes once the child is ready, which may take child.startupTimeoutMs.
    const startupTimeoutMs = ms(unitConfig.child?.startupTimeoutMs ?? defaults.child.startupTimeoutMs);
    expect(timespanMs(setting(unit, 'Service', 'TimeoutStartSec'))).toBeGreaterThanOrEqual(startupTimeoutMs + SHUTDOWN_MARGIN_MS);

    // The supervisor pings at half the interval: too short, and a GC pause gets it killed.
    expect(timespanMs(setting(unit, 'Service', 'WatchdogSec'))).toBeGreaterThanOrEqual(10_000);
  });

  it('restarts the supervisor after failures that a restart can fix, and only those, within start limits', () => {
    expect(setting(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(timespanMs(setting(unit, 'Service', 'RestartSec'))).toBeGreaterThan(0);
    const prevented = (unit.get('Service')?.get('RestartPreventExitStatus') ?? []).join(' ').split(/\s+/).filter((word) => word !== '').map(Number);
    expect(prevented).toEqual(expect.arrayContaining([EXIT_USAGE, EXIT_CONFIG, 127]));
    expect(prevented).not.toContain(EXIT_GAVE_UP);
    expect(prevented).not.toContain(EXIT_INTERNAL);
    // Start limits are [Unit] settings (systemd.unit(5)); [Service] takes them only for old units' sake.
    expect(timespanMs(setting(unit, 'Unit', 'StartLimitIntervalSec'))).toBeGreaterThan(0);
    expect(Number(setting(unit, 'Unit', 'StartLimitBurst'))).toBeGreaterThan(0);
    expect(setting(unit, 'Service', 'StartLimitBurst')).toBeUndefined();
  });

  it('runs plain node on the one-file build with the config file, reloads with SIGHUP, and keeps the state where status looks', () => {
    const execStart = unit.get('Service')?.get('ExecStart') ?? [];
    expect(execStart).toEqual([`${INSTALLED_NODE} ${INSTALLED_ENTRY} --config ${INSTALLED_CONFIG}`]);
    expect(setting(unit, 'Service', 'ExecReload')).toMatch(/^\/(usr\/)?bin\/kill (-HUP|-SIGHUP|-s HUP) \$MAINPID$/);

    const runtimeDirectory = setting(unit, 'Service', 'RuntimeDirectory');
    expect(runtimeDirectory).toBe('mpm-supervise');
    expect(unit.get('Service')?.get('Environment')).toContain(`MPM_STATE_DIR=%t/${runtimeDirectory}`);
    // The log file the config names is in the directory systemd creates and lets the service write.
    expect(unitConfig.log?.file).toEqual(expect.stringMatching(new RegExp(`^/var/log/${setting(unit, 'Service', 'LogsDirectory')}/[^/]+$`)));
    expect(setting(unit, 'Service', 'StandardOutput') ?? 'journal').toBe('journal');
    expect(setting(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('sandboxes the supervisor and its child, without breaking V8', () => {
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'read-only', PrivateTmp: 'yes', PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes', ProtectKernelModules: 'yes', ProtectKernelLogs: 'yes', ProtectControlGroups: 'yes',
      ProtectClock: 'yes', ProtectHostname: 'yes', RestrictNamespaces: 'yes', RestrictRealtime: 'yes', RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes', SystemCallArchitectures: 'native', CapabilityBoundingSet: '', UMask: '0077', DynamicUser: 'yes',
    };
    const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, setting(unit, 'Service', key)]));
    expect(actual).toEqual(expected);
    const filter = (unit.get('Service')?.get('SystemCallFilter') ?? []).join(' ').split(/\s+/);
    expect(filter).toContain('@system-service');
    // V8 allocates memory protection keys at start: outside the filter, that kills node with SIGSYS.
    expect(filter).toContain('@pkey');
    // V8's JIT needs writable memory that becomes executable.
    expect(setting(unit, 'Service', 'MemoryDenyWriteExecute') ?? 'no').toBe('no');
  });

  it('points at a config file that `mpm-supervise config validate` accepts as it is, without warnings', () => {
    const result = spawnSync(process.execPath, [cliPath, 'config', 'validate', '--config', unitConfigPath], {
      encoding: 'utf8',
      env: withoutMpmVariables(),
      timeout: 30_000,
    });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: `${unitConfigPath}: valid\n`, stderr: '' });
  });
});

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
