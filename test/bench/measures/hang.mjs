// A hung server: the demo server blocks its event loop 3 s after it starts (DEMO_BLOCK_AFTER_MS).
// Measured from its line "blocking the event loop" to the first acked Socket.IO ping from
// the server that replaced it. mpm-supervise checks every second, failureThreshold 3 (the
// default), everything else at its defaults. PM2 and a bare shell loop have no hang
// detection: each is watched for 60 s (at the same time; both only wait) after the demo
// server blocks on request (demo:fault block), to report what it does.
import { askFault } from '../lib/fault.mjs';
import { firstAnsweredPing, freePort } from '../lib/net.mjs';
import { paths } from '../lib/paths.mjs';
import { processState } from '../lib/proc.mjs';
import { summary } from '../lib/stats.mjs';
import { waitFor } from '../lib/wait.mjs';
import { startMpm } from '../subjects/mpm.mjs';
import { Pm2, PM2_VERSION } from '../subjects/pm2.mjs';
import { startShellLoop } from '../subjects/shell-loop.mjs';

export const id = 'hang';
export const title = 'Hang (event loop blocked)';

const BLOCK_LINE = 'demo-server blocking the event loop';
const BLOCK_AFTER_MS = '3000';
const TARGET_MS = 4500;

/** Block → answering again under mpm-supervise, and when the recovery started. */
async function mpmRun(ctx) {
  const port = await freePort();
  let blockedAt;
  let blockedPid;
  const mpm = startMpm(ctx, {
    args: ['--port', String(port), '--check-interval', '1s'],
    command: [process.execPath, paths.demo],
    env: { DEMO_BLOCK_AFTER_MS: BLOCK_AFTER_MS, MPM_HEALTH_FAILURE_THRESHOLD: '3' },
    onRecord: (record, at) => {
      if (record.source === 'child' && record.message === BLOCK_LINE && blockedAt === undefined) {
        blockedAt = at;
        blockedPid = record.pid;
      }
    },
  });
  try {
    await waitFor('the demo server to block', () => blockedAt, { timeoutMs: 30_000 });
    const answered = await firstAnsweredPing(port, { start: blockedAt, notPid: blockedPid, timeoutMs: 60_000 });
    if (answered === undefined) throw new Error('mpm-supervise did not bring a hung server back within 60 s');
    const started = await mpm.waitRecord('the recovery decision', (record) => record.event === 'recovery_started', 1000);
    return { totalMs: answered.ms, detectMs: started.at - blockedAt, action: started.record.action };
  } finally {
    await mpm.stop();
  }
}

/**
 * Blocks the server on `port` once it answers, then watches `windowMs` for a new server to
 * answer: that answer (undefined if none came), and what became of the blocked one.
 */
async function watchHang(port, windowMs, who) {
  const first = await firstAnsweredPing(port, { timeoutMs: 30_000 });
  if (first === undefined) throw new Error(`the demo server under ${who} never answered`);
  const blocked = await askFault(port, { kind: 'block' });
  const answered = await firstAnsweredPing(port, { start: blocked.at, notPid: blocked.pid, timeoutMs: windowMs });
  const state = processState(blocked.pid);
  return { answered, blocked: state === undefined ? 'the blocked server gone' : `the blocked server still there, state ${state}` };
}

/** What PM2 does with a hung server over `windowMs`: the pid that answers, if any, and its restarts. */
async function pm2Run(ctx, windowMs) {
  const port = await freePort();
  const pm2 = new Pm2(ctx);
  try {
    await pm2.start(paths.demo, { name: 'hang', env: { PORT: String(port), HOST: '127.0.0.1', DEMO_FAULT_EVENTS: '1' } });
    const { answered, blocked } = await watchHang(port, windowMs, 'PM2');
    const app = await pm2.app('hang');
    return { totalMs: answered?.ms, seen: `restarts ${app?.restarts}, status ${app?.status}, ${blocked}` };
  } finally {
    await pm2.kill();
  }
}

/** The same for `while :; do node server.js; done`. */
async function shellLoopRun(ctx, windowMs) {
  const port = await freePort();
  const loop = startShellLoop(ctx, { command: [process.execPath, paths.demo], env: { PORT: String(port), HOST: '127.0.0.1', DEMO_FAULT_EVENTS: '1' } });
  try {
    const { answered, blocked } = await watchHang(port, windowMs, 'the shell loop');
    return { totalMs: answered?.ms, seen: blocked };
  } finally {
    await loop.stop();
  }
}

const outcome = (result, windowMs) => (result.totalMs === undefined ? `never within ${windowMs / 1000} s (${result.seen})` : `${result.totalMs.toFixed(0)} ms`);

export async function run(ctx) {
  const runs = ctx.quick ? 1 : 5;
  const windowMs = ctx.quick ? 6_000 : 60_000;
  const mpm = [];
  for (let i = 0; i < runs; i += 1) {
    const result = await mpmRun(ctx);
    ctx.log(`mpm-supervise run ${i + 1}: answering again after ${result.totalMs.toFixed(0)} ms (decided ${result.action} after ${result.detectMs.toFixed(0)} ms)`);
    mpm.push(result);
  }
  // Both only wait; watched side by side.
  const [pm2, loop] = await Promise.all([pm2Run(ctx, windowMs), shellLoopRun(ctx, windowMs)]);
  const pm2Seen = outcome(pm2, windowMs);
  const loopSeen = outcome(loop, windowMs);
  ctx.log(`PM2: ${pm2Seen}; shell loop: ${loopSeen}`);
  const total = summary(mpm.map((r) => r.totalMs));
  return {
    figures: [
      { subject: 'mpm-supervise', label: 'blocked → answering again', unit: 'ms', values: mpm.map((r) => r.totalMs) },
      { subject: 'mpm-supervise', label: 'blocked → recovery decided', unit: 'ms', values: mpm.map((r) => r.detectMs) },
      {
        subject: `PM2 ${PM2_VERSION}`,
        label: 'blocked → answering again',
        unit: 'ms',
        values: pm2.totalMs === undefined ? [] : [pm2.totalMs],
        outcome: pm2Seen,
      },
      {
        subject: 'shell loop',
        label: 'blocked → answering again',
        unit: 'ms',
        values: loop.totalMs === undefined ? [] : [loop.totalMs],
        outcome: loopSeen,
      },
    ],
    ratios: [],
    targets: [
      {
        target: `mpm-supervise ≤ ${TARGET_MS / 1000} s at 1 s × 3 (PM2: never)`,
        measured: `${(total.max / 1000).toFixed(2)} s at most; PM2 ${pm2Seen}; shell loop ${loopSeen}`,
        met: total.max <= TARGET_MS,
      },
    ],
    notes: [
      `mpm-supervise with --check-interval 1s and failureThreshold 3; the action taken was ${[...new Set(mpm.map((r) => r.action))].join(', ')}.`,
      `PM2 and the shell loop were watched for ${windowMs / 1000} s after the block (the demo server asked to block with demo:fault, both watched at the same time): PM2 ${pm2Seen}; shell loop ${loopSeen}.`,
    ],
  };
}
