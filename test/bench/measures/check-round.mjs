// Check round: how long one full round of checks takes (process, TCP connect, Socket.IO
// handshake + acked ping, IPC ping to the agent), timed round by round against a real demo
// server with its agent over a real IPC channel. The HealthMonitor runs in this process,
// as the supervisor runs it, so that the figure is the round alone, not the supervisor.
import { spawn } from 'node:child_process';
import { AgentLink, DEFAULT_THRESHOLDS, defaultCheckers, HealthMonitor } from '@mpm/health';
import { freePort } from '../lib/net.mjs';
import { paths } from '../lib/paths.mjs';
import { percentile } from '../lib/stats.mjs';
import { delay, waitFor } from '../lib/wait.mjs';

export const id = 'check-round';
export const title = 'Check round';

/**
 * Between rounds, as the interval gives in real use: back to back, the child would still be
 * tearing down the last round's connections during the next one.
 */
const PAUSE_MS = 20;
/** The first rounds open the kept Socket.IO connection and take the first CPU baseline. */
const WARM_UP_ROUNDS = 20;
const CHECKERS = ['process', 'network', 'socketio', 'service'];
/** The supervisor's defaults; the interval is an hour so that only our calls run rounds. */
const SETTINGS = {
  intervalMs: 3_600_000,
  probeTimeoutMs: 2000,
  failureThreshold: 3,
  historySize: 100,
  startupTimeoutMs: 30_000,
  thresholds: DEFAULT_THRESHOLDS,
};

/** The demo server with an IPC channel, and the supervisor's end of it. */
async function startDemo(ctx) {
  const port = await freePort();
  const child = spawn(process.execPath, [paths.demo], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...ctx.env, PORT: String(port), HOST: '127.0.0.1' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const link = new AgentLink((message) => new Promise((resolve) => child.send(message, (error) => resolve(!error))));
  child.on('message', (message) => link.receive(message));
  const stop = async () => {
    link.close();
    child.kill('SIGKILL');
    await exited;
  };
  try {
    const ready = await waitFor(`mpm:ready from the demo server${stderr ? ` (${stderr.trim()})` : ''}`, () => link.ready, { timeoutMs: 30_000 });
    return { child, link, port: ready.port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `rounds` timed rounds against a fresh demo server: sorted durations and what was not healthy. */
async function timeRounds(ctx, rounds) {
  const demo = await startDemo(ctx);
  const monitor = new HealthMonitor({ checkers: defaultCheckers(), settings: SETTINGS, startupPollMs: SETTINGS.intervalMs });
  try {
    const url = `http://127.0.0.1:${demo.port}`;
    monitor.watch({
      pid: demo.child.pid,
      generation: 1,
      startedAt: Date.now(),
      address: { host: '127.0.0.1', port: demo.port, url, shownUrl: url, source: 'agent', path: '/socket.io/', tls: { rejectUnauthorized: true } },
      agent: demo.link,
    });
    for (let i = 0; i < WARM_UP_ROUNDS; i += 1) await monitor.runRound();
    const durations = [];
    const notHealthy = new Map();
    for (let i = 0; i < rounds; i += 1) {
      await delay(PAUSE_MS);
      const started = performance.now();
      const result = await monitor.runRound();
      durations.push(performance.now() - started);
      if (result === undefined) throw new Error('the demo server went away during the rounds');
      assertEveryChecker(result);
      for (const metric of result.metrics) if (metric.status !== 'healthy') notHealthy.set(metric.name, (notHealthy.get(metric.name) ?? 0) + 1);
    }
    return { durations: durations.sort((a, b) => a - b), notHealthy };
  } finally {
    monitor.close();
    await demo.stop();
  }
}

/** Probes whose round is timed: one that did not answer would make the round look cheap. */
const PROBE_METRICS = ['tcpLatencyMs', 'socketioLatencyMs', 'ipcLatencyMs'];

function assertEveryChecker(result) {
  const missing = CHECKERS.filter((name) => !result.checks.some((check) => check.name === name && check.metrics.length > 0));
  if (missing.length > 0) throw new Error(`a round ran without the ${missing.join(', ')} checker(s)`);
  const silent = result.metrics.filter((metric) => PROBE_METRICS.includes(metric.name) && (metric.value === null || metric.status === 'unknown'));
  if (silent.length > 0) throw new Error(`a round's probe did not answer: ${silent.map((metric) => metric.message).join('; ')}`);
}

function notHealthyNote(counts, total) {
  if (counts.size === 0) return `Every metric of all ${total} timed rounds was healthy.`;
  const list = [...counts].map(([name, count]) => `${name} ${count}×`).join(', ');
  // Rounds this close together make the child's CPU % mostly the work of answering the last round.
  const why = counts.has('cpuPercent') ? ` (cpuPercent is the child's CPU over the ${PAUSE_MS} ms or so since the previous round, much of it spent answering that round's probes)` : '';
  return `Metrics not healthy in some of the ${total} timed rounds (the rounds still count): ${list}${why}.`;
}

export async function run(ctx) {
  const runs = ctx.quick ? 1 : 3;
  const rounds = ctx.quick ? 100 : 1000;
  const p50 = [];
  const p99 = [];
  const notHealthy = new Map();
  for (let i = 0; i < runs; i += 1) {
    const { durations, notHealthy: counts } = await timeRounds(ctx, rounds);
    p50.push(percentile(durations, 50));
    p99.push(percentile(durations, 99));
    ctx.log(`run ${i + 1}: p50 ${p50.at(-1).toFixed(2)} ms, p99 ${p99.at(-1).toFixed(2)} ms, max ${durations.at(-1).toFixed(2)} ms`);
    for (const [name, count] of counts) notHealthy.set(name, (notHealthy.get(name) ?? 0) + count);
  }
  return {
    figures: [
      { subject: 'mpm-supervise', label: 'one full round, p50', unit: 'ms', values: p50 },
      { subject: 'mpm-supervise', label: 'one full round, p99', unit: 'ms', values: p99 },
    ],
    ratios: [],
    targets: [],
    notes: [
      `A round is every checker at once against a healthy demo server with its agent: process (/proc), TCP connect, Socket.IO acked ping over the kept connection (a fresh handshake every 60 s, as in the supervisor), IPC ping to the agent; the monitor (@mpm/health's HealthMonitor with defaultCheckers and the supervisor's default settings) runs in the bench process. Each run: a fresh demo server, ${WARM_UP_ROUNDS} warm-up rounds, then ${rounds} timed rounds ${PAUSE_MS} ms apart (wall time of runRound()); p50 and p99 per run, ${runs} run(s).`,
      notHealthyNote(notHealthy, rounds * runs),
      'No PM2 figure: PM2 runs no health checks (no probe of the process, port, Socket.IO or the app), so it has no round to time.',
    ],
  };
}
