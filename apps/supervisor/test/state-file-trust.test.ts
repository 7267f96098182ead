import { describe, expect, it } from '@jest/globals';
import { commandText, isSupervisorCommand, type ProcessIdentity } from '../src/state/process-identity.js';
import { judgeStateFile, type ProcessLook } from '../src/state/state-file-trust.js';
import type { StateRecord } from '../src/state/state-file.js';

describe('isSupervisorCommand', () => {
  it('knows the ways mpm-supervise is started, as /proc/<pid>/cmdline shows them', () => {
    const yes: Array<[string[], string | null]> = [
      [['node', 'apps/supervisor/dist/cli.js', '--', 'node', 'server.js'], '/srv/mpm'],
      [['node', 'dist/cli.js', '--state-dir', '/x'], '/srv/mpm/apps/supervisor'],
      [['/usr/bin/node', '/usr/local/lib/mpm-supervise/mpm-supervise.mjs', '--config', '/etc/mpm-supervise/config.json'], '/'],
      [['node', '--enable-source-maps', '/app/mpm-supervise.mjs', '--', 'node', '/app/server.js'], '/app'],
      [['node', '--require', '/opt/trace.cjs', '/app/mpm-supervise.mjs'], '/app'],
      // npm's bin: a symlink that the kernel runs through its `#!/usr/bin/env node`.
      [['node', '/srv/app/node_modules/.bin/mpm-supervise', '--port', '3000'], '/srv/app'],
      // pnpm's bin: a shell script that execs node on the real file.
      [['node', '/srv/app/node_modules/.bin/../mpm-supervise/bundle/mpm-supervise.mjs'], '/srv/app'],
      [['node', '/usr/local/lib/node_modules/mpm-supervise/dist/cli.js'], null],
    ];
    for (const [commandLine, cwd] of yes) expect({ commandLine, is: isSupervisorCommand(commandLine, cwd) }).toEqual({ commandLine, is: true });
    const no: Array<[string[], string | null]> = [
      [['/sbin/init'], '/'],
      [['node', '-e', 'setInterval(() => {}, 1000)'], '/'],
      [['node', '/srv/other/dist/cli.js'], '/'],
      [['node', 'dist/cli.js'], '/srv/other'],
      [['python3', '/app/mpm-supervise.mjs'], '/'],
      [['node', 'server.js', '/app/mpm-supervise.mjs'], '/'],
      [['node', '--', 'server.js'], '/'],
      [[], null],
    ];
    for (const [commandLine, cwd] of no) expect({ commandLine, is: isSupervisorCommand(commandLine, cwd) }).toEqual({ commandLine, is: false });
  });

  it('shows a command line in one line, control characters escaped', () => {
    expect(commandText(['node', 'x\u001b[31mred\n'])).toBe('node x\\x1b[31mred\\x0a');
    expect(commandText(['node', 'a'.repeat(200)], 20)).toBe(`node ${'a'.repeat(14)}…`);
  });
});

describe('judgeStateFile', () => {
  const record: StateRecord = { name: 'chat', pid: 4100, version: '0.1.0', startedAt: '2026-01-01T00:00:00.000Z', http: null, logFile: null, command: ['node', 's.js'] };
  const supervisorOf = (uid: number): ProcessIdentity => ({ uid, commandLine: ['node', '/app/mpm-supervise.mjs'], cwd: '/' });
  const look = (identity: ProcessIdentity | undefined, running = true): ProcessLook => ({ isRunning: () => running, identity: () => identity, hasProcfs: true });

  it("believes the reader's own file for the reader's own supervisor, and root's reading of a file whose owner runs the supervisor", () => {
    expect(judgeStateFile(record, 1000, 1000, look(supervisorOf(1000)))).toEqual({ kind: 'running' });
    expect(judgeStateFile(record, 998, 0, look(supervisorOf(998)))).toEqual({ kind: 'running' });
    expect(judgeStateFile(record, 1000, 1000, look(undefined, false))).toEqual({ kind: 'gone' });
  });

  it("refuses another user's file to anyone but root, and a file whose owner does not run the process it names", () => {
    expect(judgeStateFile(record, 1001, 1000, look(supervisorOf(1001)))).toEqual({ kind: 'refused', reason: 'it belongs to uid 1001, not to you (uid 1000)' });
    expect(judgeStateFile(record, 65534, 0, look(supervisorOf(0)))).toEqual({ kind: 'refused', reason: 'it belongs to uid 65534, but pid 4100 runs as uid 0' });
    expect(judgeStateFile({ ...record, pid: 1 }, 0, 0, look({ uid: 0, commandLine: ['/sbin/init', 'splash'], cwd: '/' }))).toEqual({
      kind: 'refused',
      reason: 'pid 1 is not an mpm-supervise process (it runs /sbin/init splash)',
    });
  });

  it('checks only the owner where there is no /proc to ask', () => {
    expect(judgeStateFile(record, 1000, 1000, { ...look(undefined), hasProcfs: false })).toEqual({ kind: 'running' });
    expect(judgeStateFile(record, 1001, 1000, { ...look(undefined), hasProcfs: false })).toMatchObject({ kind: 'refused' });
  });
});
