import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { expectAllGone, killQuietly } from '../../../../test/helpers/processes.js';
import { fixturePath } from '../../../../test/helpers/supervisor.js';
import { waitUntil } from '../../../../test/helpers/wait.js';
import { KILL_GRACE_MS, MAX_OUTPUT_BYTES, runCommand, type CommandRun } from '../../src/hooks/run-command.js';

// Hook commands as real processes, from one-behaviour fixtures: what they are given, and
// how the runner ends the ones that misbehave. Nothing they start outlives a test.

const dirs: string[] = [];
const started: number[] = [];

afterEach(async () => {
  for (const pid of started) killQuietly(pid, true);
  await expectAllGone(started.splice(0));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-hook-run-'));
  dirs.push(dir);
  return dir;
}

function run(file: string, over: Partial<CommandRun> = {}): ReturnType<typeof runCommand> & { running: Set<number> } {
  const running = new Set<number>();
  const promise = runCommand({
    file,
    args: [],
    input: '{"event":"child_exited"}',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    cwd: tmpdir(),
    timeoutMs: 10_000,
    signal: new AbortController().signal,
    running,
    ...over,
  });
  for (const pid of running) started.push(pid);
  return Object.assign(promise, { running });
}

describe('runCommand', () => {
  it('gives the command the event on stdin and in its environment, nothing else, and holds its pid until it is collected', async () => {
    const dir = tempDir();
    const input = JSON.stringify({ text: '[chat] child 1 exited', event: 'child_exited', id: 'e-1' });
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MPM_EVENT: 'child_exited', MPM_EVENT_ID: 'e-1', MPM_EVENT_JSON: input };
    const running = run(fixturePath('hook-recorder.mjs'), { args: [dir, '--team', 'chat'], input, env });
    expect(running.running.size).toBe(1);
    const result = await running;
    expect(result).toEqual({ ok: true, how: 'exited with code 0', stdout: '', stderr: '' });
    expect(running.running.size).toBe(0);
    const recorded = JSON.parse(readFileSync(join(dir, 'e-1.json'), 'utf8')) as { args: string[]; stdin: string; env: Record<string, string> };
    expect(recorded.args).toEqual(['--team', 'chat']);
    expect(recorded.stdin).toBe(input);
    expect(recorded.env).toEqual({ MPM_EVENT: 'child_exited', MPM_EVENT_ID: 'e-1', MPM_EVENT_JSON: input });
  });

  it('takes a non-zero exit for a failure', async () => {
    const dir = tempDir();
    const result = await run(fixturePath('hook-recorder.mjs'), { args: [dir], env: { PATH: process.env['PATH'] ?? '', HOOK_EXIT_CODE: '3' } });
    expect(result).toMatchObject({ ok: false, how: 'exited with code 3' });
  });

  it('never gives the arguments to a shell', async () => {
    const dir = tempDir();
    const marker = join(dir, 'shell-ran');
    await run(fixturePath('hook-recorder.mjs'), { args: [dir, `; touch ${marker}`, `$(touch ${marker})`] });
    expect(readdirSync(dir).filter((name) => name.startsWith('shell-ran'))).toEqual([]);
  });

  it('keeps what the command wrote just before it exited', async () => {
    expect(await run('/bin/echo', { args: ['paged the on-call engineer'] })).toEqual({ ok: true, how: 'exited with code 0', stdout: 'paged the on-call engineer\n', stderr: '' });
  });

  it('does not wait for a process that left the group and holds the output open', async () => {
    const dir = tempDir();
    const script = join(dir, 'escapes.sh');
    writeFileSync(script, `#!/bin/sh\nsetsid sleep 300 &\necho $! > ${join(dir, 'escaped')}\nexit 0\n`);
    chmodSync(script, 0o755);
    const result = await run(script);
    started.push(Number(readFileSync(join(dir, 'escaped'), 'utf8')));
    expect(result).toMatchObject({ ok: true, how: 'exited with code 0' });
  });

  it('reads a flood of output to the end and keeps only its head', async () => {
    const result = await run(fixturePath('hook-flood.mjs'));
    expect(result.ok).toBe(true);
    for (const text of [result.stdout, result.stderr]) {
      expect(text.startsWith('x'.repeat(MAX_OUTPUT_BYTES))).toBe(true);
      expect(text).toMatch(/… \(\d+ more bytes not kept\)$/);
      expect(text.length).toBeLessThan(MAX_OUTPUT_BYTES + 100);
    }
  });

  it('kills the whole group of a command that ignores SIGTERM at its timeout: SIGTERM, then SIGKILL after the grace', async () => {
    const dir = tempDir();
    const pidsFile = join(dir, 'pids');
    const begun = Date.now();
    const running = run(fixturePath('hook-stubborn.mjs'), { args: [pidsFile], timeoutMs: 1500 });
    await waitUntil(() => readdirSync(dir).includes('pids'), { what: 'the stubborn hook to start its grandchild' });
    const [hook, grandchild] = readFileSync(pidsFile, 'utf8').split(' ').map(Number) as [number, number];
    const result = await running;
    expect(result).toMatchObject({ ok: false, how: 'was killed by SIGKILL after its timeout of 1.5s' });
    expect(Date.now() - begun).toBeGreaterThanOrEqual(1500 + KILL_GRACE_MS - 50);
    await expectAllGone([hook, grandchild]);
  });

  it('kills what the command left running in its group when it exits', async () => {
    const dir = tempDir();
    const script = join(dir, 'leaves-one.sh');
    writeFileSync(script, `#!/bin/sh\nsleep 300 &\necho $! > ${join(dir, 'left')}\nexit 0\n`);
    chmodSync(script, 0o755);
    expect(await run(script)).toMatchObject({ ok: true, how: 'exited with code 0' });
    const left = Number(readFileSync(join(dir, 'left'), 'utf8'));
    await expectAllGone([left]);
  });

  it('kills the group at once when the supervisor exits', async () => {
    const dir = tempDir();
    const pidsFile = join(dir, 'pids');
    const abort = new AbortController();
    const running = run(fixturePath('hook-stubborn.mjs'), { args: [pidsFile], signal: abort.signal, timeoutMs: 60_000 });
    await waitUntil(() => readdirSync(dir).includes('pids'), { what: 'the stubborn hook to start its grandchild' });
    const pids = readFileSync(pidsFile, 'utf8').split(' ').map(Number);
    abort.abort();
    expect(await running).toMatchObject({ ok: false, how: 'was killed: the supervisor is exiting' });
    await expectAllGone(pids);
    expect(pids.some((pid) => isProcessAlive(pid))).toBe(false);
  });

  it('says why a program could not start', async () => {
    const dir = tempDir();
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '#!/bin/sh\nexit 0\n');
    expect(await run(plain)).toMatchObject({ ok: false, how: 'could not start: EACCES' });
    expect(await run(join(dir, 'missing'))).toMatchObject({ ok: false, how: 'could not start: ENOENT' });
  });
});
