#!/usr/bin/env node
// Benchmark, not a test: how much one health check round costs, and what the supervisor
// costs while it probes a demo server every second with every probe on.
//
//   pnpm build && node test/bench/health-round.mjs [--rounds 1000] [--seconds 60]
//
// Part 1 runs the monitor in this process against a real demo server (with the agent,
// over a real IPC channel) and times `rounds` full rounds back to back: process, TCP,
// Socket.IO and IPC checks. Part 2 runs the real CLI with `--check-interval 1s` and reads
// the supervisor's CPU time and RSS from /proc over `seconds`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AgentLink, defaultCheckers, DEFAULT_THRESHOLDS, HealthMonitor } from '@mpm/health';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = `${ROOT}apps/demo-server/dist/main.js`;
const CLI = `${ROOT}apps/supervisor/dist/cli.js`;
const PAUSE_MS = 20;
const TARGETS = { p99Ms: 5, cpuPercent: 0.5, rssMb: 48 };
// What PM2's daemon holds here while probing nothing (issue 4); the ratio is the figure.
const PM2_DAEMON_RSS_MB = 60;

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function waitFor(what, check, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function timeRounds(rounds) {
  const child = spawn(process.execPath, [DEMO], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
  });
  const link = new AgentLink((message) => new Promise((resolve) => child.send(message, (error) => resolve(!error))));
  child.on('message', (message) => link.receive(message));
  try {
    const ready = await waitFor('mpm:ready from the demo server', () => link.ready);
    const monitor = new HealthMonitor({
      checkers: defaultCheckers(),
      settings: { intervalMs: 3_600_000, probeTimeoutMs: 2000, failureThreshold: 3, historySize: 100, startupTimeoutMs: 30_000, thresholds: DEFAULT_THRESHOLDS },
      startupPollMs: 3_600_000,
    });
    monitor.watch({
      pid: child.pid,
      generation: 1,
      startedAt: Date.now(),
      address: { host: '127.0.0.1', port: ready.port, url: `http://127.0.0.1:${ready.port}`, shownUrl: `http://127.0.0.1:${ready.port}`, source: 'agent' },
      agent: link,
    });
    // Warm up: the first rounds open the kept Socket.IO connection and fill pidusage's history.
    for (let i = 0; i < 20; i += 1) await monitor.runRound();
    const durations = [];
    const statuses = new Map();
    const causes = new Map();
    for (let i = 0; i < rounds; i += 1) {
      // A short pause between rounds, as the interval gives in real use: back to back, the
      // child would still be tearing down the last round's connections during the next.
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      const started = performance.now();
      const result = await monitor.runRound();
      durations.push(performance.now() - started);
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      for (const metric of result.metrics) if (metric.status !== 'healthy') causes.set(metric.name, (causes.get(metric.name) ?? 0) + 1);
    }
    monitor.close();
    durations.sort((a, b) => a - b);
    return { durations, statuses, causes };
  } finally {
    link.close();
    child.kill('SIGKILL');
  }
}

function procStat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(fields[11]) + Number(fields[12]) };
}

function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

/** RSS of a node process that loads nothing and idles: what any Node program starts from. */
async function bareNodeRss() {
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return rssMb(idle.pid);
  } finally {
    idle.kill('SIGKILL');
  }
}

async function measureSupervisor(seconds, interval) {
  const port = await freePort();
  const supervisor = spawn(process.execPath, [CLI, '--port', String(port), '--check-interval', interval, '--http-port', '0', '--', process.execPath, DEMO], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MPM_LOG_LEVEL: 'info' },
  });
  let output = '';
  supervisor.stdout.on('data', (chunk) => (output += chunk));
  const CLK_TCK = 100;
  try {
    await waitFor('the child to be healthy', () => (output.includes('"to":"healthy"') ? true : undefined));
    // Settle, then measure over whole seconds.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const start = { at: performance.now(), ...procStat(supervisor.pid) };
    let peakRss = rssMb(supervisor.pid);
    for (let i = 0; i < seconds; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      peakRss = Math.max(peakRss, rssMb(supervisor.pid));
    }
    const end = { at: performance.now(), ...procStat(supervisor.pid) };
    const cpuSeconds = (end.ticks - start.ticks) / CLK_TCK;
    const wallSeconds = (end.at - start.at) / 1000;
    const rounds = output.split('\n').filter((line) => line.includes('"event":"health_changed"')).length;
    return { cpuPercent: (100 * cpuSeconds) / wallSeconds, rss: rssMb(supervisor.pid), peakRss, wallSeconds, healthChanges: rounds };
  } finally {
    supervisor.kill('SIGTERM');
    await new Promise((resolve) => supervisor.once('exit', resolve));
  }
}

const fixed = (value, digits = 2) => value.toFixed(digits);
const verdict = (ok) => (ok ? 'within target' : 'OVER TARGET');

const rounds = option('rounds', 1000);
const seconds = option('seconds', 60);
console.log(`health check round: ${rounds} rounds, ${PAUSE_MS} ms apart, against a demo server (process + TCP + Socket.IO ping + IPC ping)`);
const { durations, statuses, causes } = await timeRounds(rounds);
const p50 = percentile(durations, 50);
const p99 = percentile(durations, 99);
console.log(`  p50 ${fixed(p50)} ms   p99 ${fixed(p99)} ms   max ${fixed(durations.at(-1))} ms   (target p99 ≤ ${TARGETS.p99Ms} ms: ${verdict(p99 <= TARGETS.p99Ms)})`);
console.log(`  statuses: ${[...statuses].map(([status, count]) => `${status} ${count}`).join(', ')}`);
if (causes.size > 0) console.log(`  metrics not healthy: ${[...causes].map(([name, count]) => `${name} ${count}`).join(', ')}`);

console.log(`\nsupervisor at --check-interval 1s, every probe on, over ${seconds} s`);
const usage = await measureSupervisor(seconds, '1s');
// The same supervisor and child with the rounds an hour apart: what it costs without probing.
const quiet = await measureSupervisor(seconds, '1h');
console.log(`  CPU ${fixed(usage.cpuPercent, 3)} % of a core   (target ≤ ${TARGETS.cpuPercent} %: ${verdict(usage.cpuPercent <= TARGETS.cpuPercent)})`);
console.log(`  side by side, rounds an hour apart: CPU ${fixed(quiet.cpuPercent, 3)} %, RSS ${fixed(quiet.rss, 1)} MB (probing each second costs ${fixed(usage.cpuPercent - quiet.cpuPercent, 3)} % of a core)`);
console.log(
  `  RSS ${fixed(usage.rss, 1)} MB, peak ${fixed(usage.peakRss, 1)} MB   (target ≤ ${TARGETS.rssMb} MB: ${verdict(usage.peakRss <= TARGETS.rssMb)};` +
    ` ${fixed(usage.peakRss / PM2_DAEMON_RSS_MB)}× PM2's idle daemon at ${PM2_DAEMON_RSS_MB} MB)`,
);
console.log(`  status changes logged while measuring: ${usage.healthChanges - 1}`);
const bare = await bareNodeRss();
console.log(`  for scale: an idle bare node process holds ${fixed(bare, 1)} MB; the supervisor adds ${fixed(usage.rss - bare, 1)} MB to it (${fixed(usage.rss / bare)}×)`);
