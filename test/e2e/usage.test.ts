import { describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { fixturePath, SupervisorProcess } from '../helpers/supervisor.js';

async function run(args: string[]): Promise<{ code: number | null; stderr: string; supervisor: SupervisorProcess }> {
  const supervisor = new SupervisorProcess(args);
  const { code } = await supervisor.waitForExit();
  return { code, stderr: supervisor.stderr, supervisor };
}

function oneLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('mpm-supervise on bad input', () => {
  it('exits 127 with one line when the command does not exist, and does not retry', async () => {
    const { code, stderr, supervisor } = await run(['--', 'no-such-command-mpm-test']);
    expect(code).toBe(127);
    expect(oneLine(stderr)).toBe(`mpm-supervise: command not found: no-such-command-mpm-test (looked in PATH and ${process.cwd()})`);
    expect(supervisor.events('child_spawn_failed')).toHaveLength(1);
    expect(supervisor.events('child_restart_scheduled')).toHaveLength(0);
  });

  it('never hands the command to a shell', async () => {
    const { code, stderr } = await run(['--', 'node -e 0; echo injected']);
    expect(code).toBe(127);
    expect(oneLine(stderr)).toMatch(/^mpm-supervise: command not found: node -e 0; echo injected/);
  });

  it('exits 64 when nothing follows --', async () => {
    const { code, stderr } = await run(['--']);
    expect(code).toBe(64);
    expect(oneLine(stderr)).toMatch(/^mpm-supervise: nothing to run: put the command after --/);
  });

  it('exits 64 with no arguments at all', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(64);
    expect(oneLine(stderr)).toMatch(/nothing to run/);
  });

  it.each([
    [['--port', 'abc', '--', 'node'], /--port <n>' argument 'abc' is invalid\. expected a port number from 0 to 65535/],
    [['--port', '70000', '--', 'node'], /expected a port number/],
    [['--kill-timeout', 'soon', '--', 'node'], /--kill-timeout expects a duration like 500ms, 5s or 2m/],
    [['--log-format', 'xml', '--', 'node'], /argument 'xml' is invalid\. Allowed choices are json, pretty, auto/],
    [['--log-level', 'loud', '--', 'node'], /argument 'loud' is invalid/],
    [['--no-such-flag', '--', 'node'], /unknown option '--no-such-flag'/],
  ])('exits 64 with one line for %j', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(64);
    expect(oneLine(stderr)).toMatch(message);
  });

  it('exits 78 with one line when --cwd does not exist', async () => {
    const { code, stderr } = await run(['--cwd', '/nonexistent/mpm-test', '--', 'node', '-e', '0']);
    expect(code).toBe(78);
    expect(oneLine(stderr)).toBe('mpm-supervise: working directory does not exist: /nonexistent/mpm-test');
  });

  it('exits 78 with one line when the log file cannot be written', async () => {
    const { code, stderr } = await run(['--log-file', '/proc/mpm-test.log', '--', 'node', '-e', '0']);
    expect(code).toBe(78);
    expect(oneLine(stderr)).toMatch(/^mpm-supervise: --log-file \/proc\/mpm-test\.log: cannot write to it \(E[A-Z]+\)$/);
  });

  it('prints help and the version with exit 0', async () => {
    const help = new SupervisorProcess(['--help']);
    expect((await help.waitForExit()).code).toBe(0);
    const version = new SupervisorProcess(['--version']);
    expect((await version.waitForExit()).code).toBe(0);
    expect(version.rawLines).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
  });

  it('accepts the explicit run command and arguments for the child after its name', async () => {
    const supervisor = new SupervisorProcess(['run', '--name', 'echoer', '--', 'node', fixturePath('echo-args.mjs'), '--port', '9']);
    await supervisor.waitForRecord((r) => r.source === 'child' && r.message === 'args: --port 9');
    expect(supervisor.events('supervisor_started')[0]).toMatchObject({ name: 'echoer', port: null });
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    await expectAllGone(supervisor.childPids());
  });
});
