// /proc reads: what the process checker's synchronous reader (readProcFacts from
// @mpm/health: /proc/PID/stat, /proc/PID/status and the /proc/PID/fd listing) costs per
// call, against the same three reads through fs.promises, over a running demo server.
// CPU is this process's own (process.cpuUsage, every thread: the promise API reads on
// libuv's pool), per call; rounds of each alternate so that drift hits both alike.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { readProcFacts } from '@mpm/health';
import { firstAnsweredPing, freePort } from '../lib/net.mjs';
import { paths } from '../lib/paths.mjs';
import { pairRatios } from '../lib/stats.mjs';

export const id = 'proc-read';
export const title = '/proc reads per check (sync vs promises)';

/** The same reads and parsing as readProcFacts, through the promise API, one after another. */
async function readProcFactsAsync(pid) {
  let stat;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let openFds = null;
  try {
    openFds = (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    // Not ours to look at.
  }
  let rssBytes = null;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    rssBytes = match === null ? null : Number(match[1]) * 1024;
  } catch {
    // Gone meanwhile.
  }
  return { state: fields[0], threads: Number(fields[17]), cpuTicks: Number(fields[11]) + Number(fields[12]), startTicks: Number(fields[19]), openFds, rssBytes };
}

/** Wall and CPU time per call of `read(pid)` over `calls` calls, in µs. */
async function timeCalls(read, pid, calls) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i += 1) {
    if ((await read(pid)) === undefined) throw new Error(`process ${pid} is gone`);
  }
  const wallUs = ((performance.now() - t0) * 1000) / calls;
  const cpu = process.cpuUsage(cpu0);
  return { wallUs, cpuUs: (cpu.user + cpu.system) / calls };
}

export async function run(ctx) {
  const runs = ctx.quick ? 1 : 5;
  const calls = ctx.quick ? 200 : 2_000;
  const port = await freePort();
  const child = spawn(process.execPath, [paths.demo], { stdio: 'ignore', env: { ...ctx.env, PORT: String(port), HOST: '127.0.0.1' } });
  const closed = new Promise((resolve) => child.once('close', resolve));
  try {
    if ((await firstAnsweredPing(port, { timeoutMs: 30_000 })) === undefined) throw new Error('the demo server never answered');
    await timeCalls(readProcFacts, child.pid, 100); // warm-up: the JIT and libuv's pool
    await timeCalls(readProcFactsAsync, child.pid, 100);
    const sync = [];
    const promises = [];
    for (let i = 0; i < runs; i += 1) {
      const order = i % 2 === 0 ? ['sync', 'promises'] : ['promises', 'sync'];
      for (const which of order) {
        if (which === 'sync') sync.push(await timeCalls(readProcFacts, child.pid, calls));
        else promises.push(await timeCalls(readProcFactsAsync, child.pid, calls));
      }
      ctx.log(
        `run ${i + 1}: sync ${sync.at(-1).cpuUs.toFixed(1)} µs CPU (${sync.at(-1).wallUs.toFixed(1)} µs wall), promises ${promises.at(-1).cpuUs.toFixed(1)} µs CPU (${promises.at(-1).wallUs.toFixed(1)} µs wall) per call`,
      );
    }
    const pick = (list, key) => list.map((r) => r[key]);
    return {
      figures: [
        { subject: 'readProcFacts (sync, as shipped)', label: 'CPU per call', unit: 'µs', values: pick(sync, 'cpuUs') },
        { subject: 'the same through fs.promises', label: 'CPU per call', unit: 'µs', values: pick(promises, 'cpuUs') },
        { subject: 'readProcFacts (sync, as shipped)', label: 'wall time per call', unit: 'µs', values: pick(sync, 'wallUs') },
        { subject: 'the same through fs.promises', label: 'wall time per call', unit: 'µs', values: pick(promises, 'wallUs') },
      ],
      ratios: [{ label: 'CPU, promises / sync', values: pairRatios(pick(promises, 'cpuUs'), pick(sync, 'cpuUs')) }],
      targets: [],
      notes: [
        `${runs} run(s) of ${calls} calls each way, alternating, over one demo server; one call reads /proc/PID/stat and /proc/PID/status and lists /proc/PID/fd, as the process checker does once per check round.`,
      ],
    };
  } finally {
    child.kill('SIGKILL');
    await closed;
  }
}
