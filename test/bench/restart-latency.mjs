// Measures, as a user would, how long the demo server takes to answer a Socket.IO ping:
//   cold start: spawn of the demo server alone → first acked ping
//   restart:    SIGKILL of the supervised demo server → first acked ping from its successor
// Run after `pnpm build`:  node test/bench/restart-latency.mjs [runs]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, pingOnce, summary } from './common.mjs';

const runs = Number(process.argv[2] ?? 10);
const root = fileURLToPath(new URL('../..', import.meta.url));
const demo = `${root}apps/demo-server/dist/main.js`;
const cli = `${root}apps/supervisor/dist/cli.js`;

/** Pings until a reply comes from a pid other than `notPid`; returns the time it took. */
async function firstAnsweredPing(port, start, notPid, deadlineMs = 30_000) {
  for (;;) {
    const reply = await pingOnce(port);
    if (reply !== undefined && reply.pid !== notPid) return { ms: performance.now() - start, pid: reply.pid };
    if (performance.now() - start > deadlineMs) throw new Error(`no answer on port ${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function coldStarts() {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const port = await freePort();
    const start = performance.now();
    const child = spawn(process.execPath, [demo], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
    const { ms } = await firstAnsweredPing(port, start, undefined);
    times.push(ms);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  return times;
}

/**
 * One SIGKILL per supervisor: a child that had been up is killed, the case an operator
 * cares about. (Repeated kills within child.minUptimeMs are a crash loop, which backs
 * off on purpose: 100, 200, 400 ms …)
 */
async function supervisedRestarts() {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const port = await freePort();
    const supervisor = spawn(process.execPath, [cli, '--port', String(port), '--http-port', '0', '--', 'node', demo], { stdio: ['ignore', 'pipe', 'inherit'] });
    supervisor.stdout.resume();
    try {
      const { pid } = await firstAnsweredPing(port, performance.now(), undefined);
      const start = performance.now();
      process.kill(pid, 'SIGKILL');
      times.push((await firstAnsweredPing(port, start, pid)).ms);
    } finally {
      const exited = new Promise((resolve) => supervisor.once('exit', resolve));
      supervisor.kill('SIGTERM');
      await exited;
    }
  }
  return times;
}

const fmt = (s) => `median ${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`;
const cold = summary(await coldStarts());
const restart = await supervisedRestarts();
const restartSummary = summary(restart);
console.log(`cold start, spawn → first ping:            ${fmt(cold)} over ${runs} runs`);
console.log(`under mpm-supervise, SIGKILL → first ping:  ${fmt(restartSummary)} over ${runs} runs`);
console.log(`  each restart (ms): ${restart.map((ms) => ms.toFixed(0)).join(', ')}`);
console.log(`  ratio restart/cold (medians): ${(restartSummary.median / cold.median).toFixed(2)}`);
