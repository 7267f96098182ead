// A memory leak against a hard limit: the demo server leaks 20 MB/s (DEMO_LEAK_MB_PER_SEC)
// from its start; the limit is 200 MB: mpm-supervise `--max-memory 200` at a 1 s check
// interval vs PM2 `--max-memory-restart 200M`. An observer here reads the server's RSS from
// /proc every 20 ms: the crossing is the first reading over the limit, the overshoot the
// highest reading before the server is gone. "Restarted" is the first acked ping from
// the new server.
import { paths } from '../lib/paths.mjs';
import { firstAnsweredPing, freePort } from '../lib/net.mjs';
import { rssMb } from '../lib/proc.mjs';
import { pairRatios, summary } from '../lib/stats.mjs';
import { delay } from '../lib/wait.mjs';
import { startMpm } from '../subjects/mpm.mjs';
import { Pm2, PM2_VERSION } from '../subjects/pm2.mjs';

export const id = 'memory-limit';
export const title = 'Memory limit (20 MB/s leak, 200 MB limit)';

const LIMIT_MB = 200;
const LEAK = { DEMO_LEAK_MB_PER_SEC: '20' };
const SAMPLE_MS = 20;

/**
 * Follows `pid`'s RSS until it is gone (or `deadlineMs` after the crossing): when it
 * crossed the limit and how high it got.
 */
async function watchRss(pid, deadlineMs) {
  let crossedAt;
  let peak = 0;
  for (;;) {
    const rss = rssMb(pid);
    if (rss === undefined) break;
    peak = Math.max(peak, rss);
    if (crossedAt === undefined && rss >= LIMIT_MB) crossedAt = performance.now();
    if (crossedAt !== undefined && performance.now() - crossedAt > deadlineMs) break;
    await delay(SAMPLE_MS);
  }
  return { crossedAt, peak };
}

async function mpmRun(ctx) {
  const port = await freePort();
  const mpm = startMpm(ctx, { args: ['--port', String(port), '--check-interval', '1s', '--max-memory', String(LIMIT_MB)], command: [process.execPath, paths.demo], env: LEAK });
  try {
    const first = await firstAnsweredPing(port, { timeoutMs: 30_000 });
    if (first === undefined) throw new Error('the demo server under mpm-supervise never answered');
    const pingStart = performance.now();
    const answered = firstAnsweredPing(port, { start: pingStart, notPid: first.pid, timeoutMs: 90_000 });
    const { crossedAt, peak } = await watchRss(first.pid, 60_000);
    const restarted = await answered;
    if (crossedAt === undefined || restarted === undefined) throw new Error('mpm-supervise did not restart the leaking server within 60 s of crossing the limit');
    const decided = await mpm.waitRecord('the recovery decision', (record) => record.event === 'recovery_started', 1000);
    const restartedAt = pingStart + restarted.ms;
    return { actedMs: decided.at - crossedAt, restartedMs: restartedAt - crossedAt, overshoot: peak / LIMIT_MB, action: decided.record.action };
  } finally {
    await mpm.stop();
  }
}

async function pm2Run(ctx) {
  const port = await freePort();
  const pm2 = new Pm2(ctx);
  try {
    await pm2.start(paths.demo, { name: 'leak', options: ['--max-memory-restart', `${LIMIT_MB}M`], env: { PORT: String(port), HOST: '127.0.0.1', ...LEAK } });
    const first = await firstAnsweredPing(port, { timeoutMs: 30_000 });
    if (first === undefined) throw new Error('the demo server under PM2 never answered');
    const { crossedAt, peak } = await watchRss(first.pid, 60_000);
    if (crossedAt === undefined) throw new Error('the leaking server under PM2 never crossed the limit');
    const goneAt = performance.now();
    const restarted = await firstAnsweredPing(port, { notPid: first.pid, timeoutMs: 30_000 });
    const stillThere = rssMb(first.pid) !== undefined;
    return {
      // PM2 logs no decision; the server's end is when it acted.
      actedMs: stillThere ? undefined : goneAt - crossedAt,
      restartedMs: restarted === undefined ? undefined : goneAt + restarted.ms - crossedAt,
      overshoot: peak / LIMIT_MB,
    };
  } finally {
    await pm2.kill();
  }
}

export async function run(ctx) {
  const runs = ctx.quick ? 1 : 3;
  const mpm = [];
  const pm2 = [];
  for (let i = 0; i < runs; i += 1) {
    mpm.push(await mpmRun(ctx));
    ctx.log(`mpm-supervise run ${i + 1}: acted ${mpm.at(-1).actedMs.toFixed(0)} ms after crossing, answering again after ${mpm.at(-1).restartedMs.toFixed(0)} ms, peak ${mpm.at(-1).overshoot.toFixed(2)}× the limit`);
    pm2.push(await pm2Run(ctx));
    ctx.log(`PM2 run ${i + 1}: acted ${pm2.at(-1).actedMs?.toFixed(0)} ms after crossing, answering again after ${pm2.at(-1).restartedMs?.toFixed(0)} ms, peak ${pm2.at(-1).overshoot.toFixed(2)}× the limit`);
  }
  const pick = (list, key) => list.map((r) => r[key]).filter((value) => value !== undefined);
  const acted = summary(pick(mpm, 'actedMs'));
  const overshoot = summary(pick(mpm, 'overshoot'));
  const pm2Name = `PM2 ${PM2_VERSION}`;
  return {
    figures: [
      { subject: 'mpm-supervise', label: 'over the limit → acted on', unit: 'ms', values: pick(mpm, 'actedMs') },
      { subject: pm2Name, label: 'over the limit → acted on', unit: 'ms', values: pick(pm2, 'actedMs'), outcome: 'not within 60 s' },
      { subject: 'mpm-supervise', label: 'over the limit → answering again', unit: 'ms', values: pick(mpm, 'restartedMs') },
      { subject: pm2Name, label: 'over the limit → answering again', unit: 'ms', values: pick(pm2, 'restartedMs'), outcome: 'not within 90 s' },
      { subject: 'mpm-supervise', label: 'peak RSS / limit', unit: '×', values: pick(mpm, 'overshoot') },
      { subject: pm2Name, label: 'peak RSS / limit', unit: '×', values: pick(pm2, 'overshoot') },
    ],
    ratios: [
      { label: 'acted on, mpm-supervise / PM2', values: pairRatios(mpm.map((r) => r.actedMs), pm2.map((r) => r.actedMs)) },
      { label: 'peak RSS, mpm-supervise / PM2', values: pairRatios(mpm.map((r) => r.overshoot), pm2.map((r) => r.overshoot)) },
    ],
    targets: [
      { target: 'acted on ≤ 2 s after crossing (1 s interval)', measured: `${(acted.max / 1000).toFixed(2)} s at most`, met: acted.max <= 2000 },
      { target: 'RSS overshoot ≤ 1.2× the limit', measured: `${overshoot.max.toFixed(2)}× at most`, met: overshoot.max <= 1.2 },
    ],
    notes: [
      `mpm-supervise: --max-memory ${LIMIT_MB} --check-interval 1s, action ${[...new Set(mpm.map((r) => r.action))].join(', ')} (graceful: mpm:shutdown over IPC, then the new server). PM2: --max-memory-restart ${LIMIT_MB}M, which its worker checks every 30 s by default.`,
    ],
  };
}
