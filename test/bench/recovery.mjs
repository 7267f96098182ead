// Measures recovery as a user sees it, with a 1 s check interval and failureThreshold 3
// (the rest at its defaults: probe timeout 2 s, kill timeout 5 s, breaker 5 failures / 5 min):
//   hang:       the demo server blocks its event loop → it answers a Socket.IO ping again
//               (from its successor), measured from the supervisor's log line of the block
//   crash loop: a demo server that exits at every start, restarts counted over --seconds
// Run after `pnpm build`:
//   node test/bench/recovery.mjs [--runs 5] [--seconds 300] [--kill-timeout 5s] [--only hang|crash]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, pingOnce, summary } from './common.mjs';

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '300' },
    'kill-timeout': { type: 'string', default: '5s' },
    only: { type: 'string' },
  },
});
const runs = Number(options.runs);
const seconds = Number(options.seconds);
const root = fileURLToPath(new URL('../..', import.meta.url));
const demo = `${root}apps/demo-server/dist/main.js`;
const cli = `${root}apps/supervisor/dist/cli.js`;
const SETTINGS = ['--check-interval', '1s', '--kill-timeout', options['kill-timeout'], '--http-port', '0'];
const ENV = { ...process.env, MPM_HEALTH_FAILURE_THRESHOLD: '3', MPM_LOG_FORMAT: 'json' };

/** A supervisor whose JSON log records are handed to `onRecord` as they come. */
function supervise(args, env, onRecord) {
  const child = spawn(process.execPath, [cli, ...SETTINGS, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      try {
        onRecord(JSON.parse(line), performance.now());
      } catch {
        // Not a record.
      }
    }
  });
  const exited = new Promise((resolve) => child.once('close', resolve));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Block → answering again, once per supervisor. */
async function hangRecovery() {
  const times = [];
  const phases = [];
  for (let i = 0; i < runs; i += 1) {
    const port = await freePort();
    let blockedAt;
    let detectedAt;
    let blockedPid;
    const supervisor = supervise(['--port', String(port), '--', 'node', demo], { ...ENV, DEMO_BLOCK_AFTER_MS: '3000' }, (record, at) => {
      if (record.source === 'child' && record.message === 'demo-server blocking the event loop') {
        blockedAt = at;
        blockedPid = record.pid;
      }
      if (record.event === 'recovery_started' && detectedAt === undefined) detectedAt = at;
    });
    try {
      for (;;) {
        if (blockedAt !== undefined) {
          const reply = await pingOnce(port, 500);
          if (reply !== undefined && reply.pid !== blockedPid) break;
        }
        if (blockedAt !== undefined && performance.now() - blockedAt > 60_000) throw new Error('no recovery within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const total = performance.now() - blockedAt;
      times.push(total);
      phases.push({ detect: detectedAt - blockedAt, total });
    } finally {
      await supervisor.stop();
    }
  }
  return { times, phases };
}

/** Restarts of a child that exits at every start, over the first `seconds`. */
async function crashLoop() {
  let spawns = 0;
  const opens = [];
  const start = performance.now();
  const supervisor = supervise(['--', 'node', demo], { ...ENV, DEMO_EXIT_AT_START: '1' }, (record, at) => {
    if (record.event === 'child_spawned') spawns += 1;
    if (record.event === 'circuit_breaker' && record.to === 'open') opens.push(((at - start) / 1000).toFixed(1));
  });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const restarts = Math.max(0, spawns - 1);
  await supervisor.stop();
  return { restarts, opens };
}

const fmt = (s) => `median ${(s.median / 1000).toFixed(2)} s (min ${(s.min / 1000).toFixed(2)}, max ${(s.max / 1000).toFixed(2)})`;
console.log(`settings: --check-interval 1s, failureThreshold 3, probe timeout 2s, --kill-timeout ${options['kill-timeout']}`);
if (options.only !== 'crash') {
  const { times, phases } = await hangRecovery();
  console.log(`hang: loop blocked → Socket.IO answers again (new child): ${fmt(summary(times))} over ${runs} runs`);
  console.log(`  detected (recovery starts) after: ${phases.map((p) => (p.detect / 1000).toFixed(2)).join(', ')} s`);
}
if (options.only !== 'hang') {
  const { restarts, opens } = await crashLoop();
  console.log(`crash loop: ${restarts} restarts in the first ${seconds} s of a child that exits at every start; breaker opened at ${opens.join(', ') || 'never'} s`);
}
