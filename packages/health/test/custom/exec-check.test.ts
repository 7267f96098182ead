import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { execCheck, numberFromOutput, OutputTail, reasonLine, type ExecCheckOptions, type HealthMetric } from '../../src/index.js';
import { expectAllGone } from '../../../../test/helpers/processes.js';
import { waitUntil } from '../../../../test/helpers/wait.js';
import { contextWith, targetFor } from '../helpers/check.js';

// The exec check with real commands: a fixture script with one behaviour per argument.

const fixture = fileURLToPath(new URL('../fixtures/check-command.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mpm-exec-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const environment = () => ({ cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });

async function runCheck(command: readonly string[], extra: Partial<ExecCheckOptions> = {}, timeoutMs = 10_000): Promise<HealthMetric> {
  const checker = execCheck({ name: 'job', command, environment, ...extra });
  const [metric] = await checker.check(targetFor(process.pid), contextWith({ timeoutMs }));
  if (metric === undefined) throw new Error('no metric');
  return metric;
}

describe('exec check', () => {
  it('is healthy on exit 0, and takes a number alone on the last line as its value', async () => {
    const metric = await runCheck([process.execPath, fixture, 'print', 'queue ok', '42'], { unit: 'jobs' });
    expect(metric).toMatchObject({ name: 'job', value: 42, unit: 'jobs', status: 'healthy', thresholds: null });
    expect(metric.message).toMatch(/^job: \S+ exited 0 in \d+ ms, printing 42 jobs$/);
  });

  it('is healthy with no value when the last line is not a number', async () => {
    const metric = await runCheck([process.execPath, fixture, 'print', '42', 'all good']);
    expect(metric).toMatchObject({ value: null, status: 'healthy', unit: 'count' });
  });

  it('rates the number by its thresholds, lower worse when warning is above critical', async () => {
    const falling = { thresholds: { warning: 10, critical: 5 }, unit: 'GB' };
    expect(await runCheck([process.execPath, fixture, 'print', '4'], falling)).toMatchObject({ status: 'critical', value: 4 });
    expect(await runCheck([process.execPath, fixture, 'print', '8'], falling)).toMatchObject({ status: 'warning' });
    const eight = await runCheck([process.execPath, fixture, 'print', '8'], falling);
    expect(eight.message).toMatch(/printing 8 GB ≤ warning 10 GB$/);
    expect(await runCheck([process.execPath, fixture, 'print', '50'], falling)).toMatchObject({ status: 'healthy' });
    const rising = { thresholds: { warning: 10, critical: 20 } };
    expect(await runCheck([process.execPath, fixture, 'print', '25'], rising)).toMatchObject({ status: 'critical' });
  });

  it('says it could not measure when it has thresholds and prints no number', async () => {
    const metric = await runCheck([process.execPath, fixture, 'print', 'fine'], { thresholds: { warning: 1, critical: 2 } });
    expect(metric).toMatchObject({ status: 'unknown', value: null });
    expect(metric.message).toMatch(/printed no number on its last line for the thresholds \(it printed "fine"\)$/);
  });

  it('fails on another exit code, quoting the last line of stderr, cleaned', async () => {
    const metric = await runCheck([process.execPath, fixture, 'fail', '3', '\u001b[31mqueue\u0007 unreachable\u001b[0m   at 10.0.0.7']);
    expect(metric).toMatchObject({ status: 'critical', value: null });
    expect(metric.message).toBe(`job: ${process.execPath} exited with code 3: queue unreachable at 10.0.0.7`);
  });

  it('kills its whole process group when it takes longer than the timeout, and fails', async () => {
    const pids = join(dir, 'hang.pids');
    const started = Date.now();
    const metric = await runCheck([process.execPath, fixture, 'hang', pids], {}, 1500);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(metric).toMatchObject({ status: 'critical' });
    expect(metric.message).toBe(`job: ${process.execPath} did not finish within 1500 ms (killed)`);
    const [pid, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    await expectAllGone([pid!, grandchild!]);
  });

  it('reads a flood of output without keeping it, and still finds the number', async () => {
    const before = process.memoryUsage().rss;
    const metric = await runCheck([process.execPath, fixture, 'flood', String(32 * 1024 * 1024)], {}, 20_000);
    expect(metric).toMatchObject({ status: 'healthy', value: 7 });
    // Two 32 MiB streams went through; what was kept is a few KiB (the bound is loose: GC is not ours to time).
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('is unknown, not a failure of the child, when its program cannot be run', async () => {
    const metric = await runCheck([join(dir, 'no-such-program')]);
    expect(metric).toMatchObject({ status: 'unknown', message: `job: could not run ${join(dir, 'no-such-program')}: ENOENT` });
  });

  it('runs in the given folder with the given environment, and tells the registry its pid while it runs', async () => {
    const running = new Set<number>();
    const seen: number[] = [];
    const processes = { add: (pid: number) => (running.add(pid), seen.push(pid)), delete: (pid: number) => running.delete(pid) };
    const checker = execCheck({
      name: 'job',
      command: [process.execPath, '-e', 'console.log(process.cwd() === process.env.WANT ? 1 : 0)'],
      environment: () => ({ cwd: dir, env: { WANT: dir } }),
      processes,
    });
    const [metric] = await checker.check(targetFor(process.pid), contextWith());
    expect(metric).toMatchObject({ value: 1 });
    expect(seen).toHaveLength(1);
    await waitUntil(() => running.size === 0, { what: 'the registry to forget the pid' });
  });

  it('ends at once when the round is abandoned', async () => {
    const abort = new AbortController();
    const checker = execCheck({ name: 'job', command: [process.execPath, fixture, 'hang', join(dir, 'abandoned.pids')], environment });
    const pending = checker.check(targetFor(process.pid), contextWith({ timeoutMs: 30_000, signal: abort.signal }));
    await waitUntil(() => {
      try {
        return readFileSync(join(dir, 'abandoned.pids'), 'utf8').includes(' ');
      } catch {
        return false;
      }
    });
    abort.abort();
    const [metric] = await pending;
    expect(metric).toMatchObject({ status: 'unknown', message: 'job: the check was stopped' });
  });
});

describe('exec output', () => {
  it.each([
    ['42\n', 42],
    ['log line\n  -3.5  \n\n', -3.5],
    ['1e3', 1000],
    ['42 jobs', undefined],
    ['', undefined],
    ['NaN', undefined],
    ['0x10', undefined],
    ['1e999', undefined],
  ])('numberFromOutput(%j) is %p', (text, value) => {
    expect(numberFromOutput(text)).toBe(value);
  });

  it('keeps only the end of a stream', () => {
    const tail = new OutputTail(8);
    tail.push(Buffer.from('abcdef'));
    tail.push(Buffer.from('ghij'));
    expect(tail.text()).toBe('cdefghij');
    tail.push(Buffer.from('0123456789'));
    expect(tail.text()).toBe('23456789');
    expect(tail.total).toBe(20);
  });

  it('quotes a reason line without control characters, capped', () => {
    expect(reasonLine('a\nb\tc\r\n')).toBe('b c');
    expect(reasonLine('x'.repeat(500))).toHaveLength(200);
    expect(reasonLine('\n \n')).toBeUndefined();
  });
});
