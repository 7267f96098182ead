import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { waitUntil } from '../../../test/helpers/wait.js';
import { ProcessChecker, type HealthMetric, type HealthStatus } from '../src/index.js';
import { contextWith, metricNamed, numberOf, targetFor } from './helpers/check.js';
import { Child, cpuTicks, DEADLINE_MS, killAllChildren } from './helpers/children.js';

// Real processes, looked at from outside through /proc (docs/design.md §3).

let checker: ProcessChecker;

beforeEach(() => {
  checker = new ProcessChecker();
});

afterEach(async () => {
  // SIGKILL ends a stopped (SIGSTOP) or spinning child as well; nothing may outlive a test.
  await killAllChildren();
});

async function measure(pid: number, name: string, thresholds = {}): Promise<HealthMetric> {
  return metricNamed(await checker.check(targetFor(pid), contextWith({ thresholds })), name);
}

const openFdsOf = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

describe('ProcessChecker: open descriptors', () => {
  it('sees the demo server leak descriptors', async () => {
    const demo = Child.demoServer({ DEMO_LEAK_FDS_PER_SEC: '200' });
    await demo.line(/demo-server listening on 127\.0\.0\.1:\d+/, 'the listening line');

    const first = numberOf(await measure(demo.pid, 'openFds'));
    // stdio, the event loop's own descriptors and the listening socket at least.
    expect(first).toBeGreaterThan(10);
    await waitUntil(() => openFdsOf(demo.pid) >= first + 200, { timeoutMs: DEADLINE_MS, what: '200 more open descriptors' });
    const second = await measure(demo.pid, 'openFds');

    expect(numberOf(second)).toBeGreaterThanOrEqual(first + 200);
    // Far below the default pair (800/1000): still healthy.
    expect(second).toMatchObject({ status: 'healthy', unit: 'count', thresholds: { warning: 800, critical: 1000 } });
  });

  it('turns warning, then critical, as the leak crosses a low threshold pair', async () => {
    const demo = Child.demoServer({ DEMO_LEAK_FDS_PER_SEC: '200' });
    await demo.line(/demo-server listening on 127\.0\.0\.1:\d+/, 'the listening line');
    // Relative to what is open now (a quiet demo server holds about 20; this one leaks
    // from its start): 1 s of leak to the warning, 2 s more to the critical level.
    const start = openFdsOf(demo.pid);
    const openFds = { warning: start + 200, critical: start + 600 };

    const seen: HealthStatus[] = [];
    let last: HealthMetric | undefined;
    await waitUntil(
      async () => {
        last = await measure(demo.pid, 'openFds', { openFds });
        if (seen.at(-1) !== last.status) seen.push(last.status);
        return last.status === 'critical';
      },
      { timeoutMs: DEADLINE_MS, what: 'openFds to reach critical' },
    );

    expect(seen).toEqual(['healthy', 'warning', 'critical']);
    expect(numberOf(last!)).toBeGreaterThanOrEqual(openFds.critical);
    expect(last!.thresholds).toEqual(openFds);
    expect(last!.message).toBe(`openFds ${String(last!.value)} ≥ critical ${openFds.critical}`);
  });
});

describe('ProcessChecker: process state', () => {
  it('calls a stopped process critical (T), and healthy again once it continues', async () => {
    const idle = Child.fixture('idle.mjs');
    await idle.line(/idle pid=\d+/, 'the idle line');
    const before = await measure(idle.pid, 'processState');
    expect(before.status).toBe('healthy');
    expect(['S', 'R']).toContain(before.value);

    process.kill(idle.pid, 'SIGSTOP');
    let stopped: HealthMetric | undefined;
    await waitUntil(
      async () => {
        stopped = await measure(idle.pid, 'processState');
        return stopped.value === 'T';
      },
      { timeoutMs: DEADLINE_MS, what: 'processState T' },
    );
    expect(stopped).toMatchObject({ value: 'T', status: 'critical', unit: 'state' });
    expect(stopped!.message).toBe(`process ${idle.pid} is T (stopped)`);

    process.kill(idle.pid, 'SIGCONT');
    let resumed: HealthMetric | undefined;
    await waitUntil(
      async () => {
        resumed = await measure(idle.pid, 'processState');
        return resumed.value !== 'T';
      },
      { timeoutMs: DEADLINE_MS, what: 'processState other than T' },
    );
    expect(resumed!.status).toBe('healthy');
    expect(['S', 'R']).toContain(resumed!.value);
  });

  it('reports a process that was checked and then died as gone, naming its pid', async () => {
    const idle = Child.fixture('idle.mjs');
    await idle.line(/idle pid=\d+/, 'the idle line');
    const pid = idle.pid;
    expect((await measure(pid, 'processState')).status).toBe('healthy');

    idle.process.kill('SIGKILL');
    await idle.exited; // reaped: no zombie left to look at

    const metrics = await checker.check(targetFor(pid), contextWith());
    expect(metrics).toEqual([expect.objectContaining({ name: 'processState', status: 'critical', value: 'gone', message: `process ${pid} is gone` })]);
  });

  it('keeps no descriptor of a child it looked at once the child is gone', async () => {
    const idle = Child.fixture('idle.mjs');
    await idle.line(/idle pid=\d+/, 'the idle line');
    const pid = idle.pid;
    await measure(pid, 'cpuPercent');
    await measure(pid, 'memoryMb');
    idle.process.kill('SIGKILL');
    await idle.exited;

    const ours = readdirSync('/proc/self/fd').map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    });
    expect(ours.filter((target) => target.startsWith(`/proc/${pid}/`))).toEqual([]);
  });

  it('reports a pid that never was checked and is gone as gone', async () => {
    const idle = Child.fixture('idle.mjs');
    await idle.line(/idle pid=\d+/, 'the idle line');
    const pid = idle.pid;
    idle.process.kill('SIGKILL');
    await idle.exited;

    const metrics = await checker.check(targetFor(pid), contextWith());
    expect(metrics).toEqual([expect.objectContaining({ name: 'processState', status: 'critical', value: 'gone', message: `process ${pid} is gone` })]);
  });

  it('reports every metric it names for a live process', async () => {
    const idle = Child.fixture('idle.mjs');
    await idle.line(/idle pid=\d+/, 'the idle line');
    const metrics = await checker.check(targetFor(idle.pid), contextWith());
    expect(metrics.map((metric) => metric.name).sort()).toEqual([...checker.metrics].sort());
    // A Node process runs a few threads (libuv pool, V8 platform) besides the main one.
    expect(numberOf(metricNamed(metrics, 'threads'))).toBeGreaterThanOrEqual(2);
  });
});

describe('ProcessChecker: CPU and memory', () => {
  it('tells a spinning process from an idle one', async () => {
    const busy = Child.fixture('busy-loop.mjs');
    const idle = Child.fixture('idle.mjs');
    await Promise.all([busy.line(/spinning pid=\d+/, 'the spinning line'), idle.line(/idle pid=\d+/, 'the idle line')]);
    // A first look at each, so that the next one measures the time in between.
    await Promise.all([measure(busy.pid, 'cpuPercent'), measure(idle.pid, 'cpuPercent')]);
    const ticksBefore = await cpuTicks(busy.pid);
    // At least a second of CPU burnt in between (clock ticks are 1/100 s on Linux).
    await waitUntil(async () => (await cpuTicks(busy.pid)) - ticksBefore >= 100, { timeoutMs: DEADLINE_MS, what: 'a second of CPU time' });

    const [busyCpu, idleCpu] = await Promise.all([measure(busy.pid, 'cpuPercent'), measure(idle.pid, 'cpuPercent')]);

    // A spinning loop takes a whole core (100 %) on a quiet machine; 20 % leaves room for
    // ten runnable processes on two cores. The idle one uses next to nothing, whatever the load.
    expect(numberOf(busyCpu)).toBeGreaterThan(20);
    expect(numberOf(idleCpu)).toBeLessThan(5);
    expect(idleCpu.status).toBe('healthy');
    expect(busyCpu.unit).toBe('percent');
  });

  it('does not call a process idle on the first look when it has been spinning all along', async () => {
    const busy = Child.fixture('busy-loop.mjs');
    await busy.line(/spinning pid=\d+/, 'the spinning line');
    await waitUntil(async () => (await cpuTicks(busy.pid)) >= 100, { timeoutMs: DEADLINE_MS, what: 'a second of CPU time' });

    // The first round for a new child has no baseline yet: the average since its start, never 0 %.
    const first = await measure(busy.pid, 'cpuPercent');
    expect(numberOf(first)).toBeGreaterThan(20);
  });

  it('measures the resident memory a process has written', async () => {
    const holding = Child.fixture('hold-memory.mjs', ['200']);
    const idle = Child.fixture('idle.mjs');
    await Promise.all([holding.line(/holding 200 MiB/, 'the holding line'), idle.line(/idle pid=\d+/, 'the idle line')]);
    const memoryMb = { warning: 100, critical: 150 };

    const held = await measure(holding.pid, 'memoryMb', { memoryMb });
    const quiet = await measure(idle.pid, 'memoryMb', { memoryMb });

    expect(numberOf(held)).toBeGreaterThanOrEqual(150);
    expect(held).toMatchObject({ status: 'critical', unit: 'MiB' });
    expect(numberOf(quiet)).toBeLessThan(100);
    expect(quiet.status).toBe('healthy');
  });
});
