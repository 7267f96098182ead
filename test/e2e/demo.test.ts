import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort } from '../helpers/ports.js';
import { continueAll, expectAllGone, killQuietly } from '../helpers/processes.js';
import { repoRoot } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('pnpm demo', () => {
  it('prints where to look and how to break the server, and a frozen server is restarted within a minute', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpm-demo-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    // The command `pnpm demo` runs after its build, on free ports and private folders.
    const demo = spawn(process.execPath, [join(repoRoot, 'apps/demo-server/scripts/demo.mjs')], {
      cwd: repoRoot,
      env: { ...process.env, MPM_CHILD_PORT: String(port), MPM_HTTP_PORT: '0', MPM_STATE_DIR: join(dir, 'state'), MPM_LOG_FILE: join(dir, 'demo.log') },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own: a failed test ends the demo and its supervisor together.
      detached: true,
    });
    let output = '';
    demo.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    demo.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => demo.once('close', (code) => resolve(code)));
    const stopped: number[] = [];
    cleanups.push(async () => {
      continueAll(stopped);
      killQuietly(demo.pid!, true);
      await exited;
    });

    await waitUntil(() => /kill -STOP (\d+)/.test(output), { timeoutMs: 30_000, what: 'the guide' });
    const childPid = Number(/kill -STOP (\d+)/.exec(output)![1]);
    expect(output).toMatch(new RegExp(`watches the demo server \\(pid ${childPid}, port ${port}\\) every second`));
    expect(output).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/health/);
    expect(output).toMatch(/cli\.js status/);
    expect(output).toContain(`# ${join(dir, 'demo.log')}`);

    process.kill(childPid, 'SIGSTOP');
    stopped.push(childPid);
    // The recovery that replaced it: an earlier decision on the same child (a warning logged
    // while a busy machine slowed its probes) also "succeeds", without a new child.
    const restarted = (): boolean =>
      output.split('\n').some((line) => line.includes('"event":"recovery"') && line.includes('"result":"succeeded"') && line.includes(`child ${childPid}`) && /new child \d+/.test(line));
    // The promise to a newcomer: a recovery within a minute.
    await waitUntil(restarted, { timeoutMs: 60_000, what: 'the frozen server to be restarted' });
    const newChild = Number(/new child (\d+)/.exec(output)![1]);

    demo.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expectAllGone([childPid, newChild]);
  });
});
