// The systemd unit users copy (config/systemd) against the tools that read it and
// against the supervisor's own defaults and contract (docs/design.md §5, §6): a unit that systemd
// rejects, or a stop timeout shorter than the child's kill timeout, would only show up on
// a production machine.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultConfig } from '@mpm/config';
import { cliPath, repoRoot } from '../helpers/supervisor.js';
import { ms, SHUTDOWN_MARGIN_MS } from './deploy-files.js';
import { parseUnit, setting, timespanMs } from './unit-file.js';

const unitPath = join(repoRoot, 'config/systemd/mpm-supervise.service');
const unitConfigPath = join(repoRoot, 'config/systemd/config.json');

/** The paths the unit names on a real machine, and what stands in for them here. */
const INSTALLED_NODE = '/usr/bin/node';
const INSTALLED_ENTRY = '/usr/local/lib/mpm-supervise/mpm-supervise.mjs';
const INSTALLED_CONFIG = '/etc/mpm-supervise/config.json';

/** docs/design.md §5: exit codes that a restart cannot fix, and those it may. */
const EXIT_USAGE = 64;
const EXIT_CONFIG = 78;
const EXIT_GAVE_UP = 75;
const EXIT_INTERNAL = 1;

function withoutMpmVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MPM_')));
}

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
      const entry = cliPath;
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
    const prevented = (unit.get('Service')?.get('RestartPreventExitStatus') ?? [])
      .join(' ')
      .split(/\s+/)
      .filter((word) => word !== '')
      .map(Number);
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
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'read-only',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      ProtectClock: 'yes',
      ProtectHostname: 'yes',
      RestrictNamespaces: 'yes',
      RestrictRealtime: 'yes',
      RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes',
      SystemCallArchitectures: 'native',
      CapabilityBoundingSet: '',
      UMask: '0077',
      DynamicUser: 'yes',
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
