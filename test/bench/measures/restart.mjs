// Restart after SIGKILL (MTTR): kill -9 the demo server, time until its successor (another
// pid) acks a Socket.IO ping. mpm-supervise vs PM2 fork mode vs a bare shell loop, run i of
// each back to back, so that drifting load on the machine hits all three alike.
import { freePort, firstAnsweredPing } from '../lib/net.mjs';
import { paths } from '../lib/paths.mjs';
import { pairRatios, summary } from '../lib/stats.mjs';
import { delay } from '../lib/wait.mjs';
import { startMpm } from '../subjects/mpm.mjs';
import { Pm2, PM2_VERSION } from '../subjects/pm2.mjs';
import { startShellLoop } from '../subjects/shell-loop.mjs';

export const id = 'restart';
export const title = 'Restart after SIGKILL (MTTR)';

const PM2_SUBJECT = `PM2 ${PM2_VERSION}`;
const TIMEOUT_MS = 30_000;
/**
 * How long every server has been answering before the kill: the same for all subjects, and
 * past PM2's min_uptime (1 s from its spawn), so PM2 sees a stable process that died.
 */
const SETTLE_MS = 1000;

/** Each subject starts the demo server on `port` and returns { stop() }. */
function subjects(observed) {
  return [
    {
      name: 'mpm-supervise',
      // Defaults except --port: the restart is measured as a user gets it.
      start: async (ctx, port) =>
        startMpm(ctx, {
          args: ['--port', String(port)],
          command: [process.execPath, paths.demo],
          onRecord: (record) => {
            if (record.event === 'child_restart_scheduled') observed.mpmDelays.push(record.delayMs);
          },
        }),
    },
    {
      name: PM2_SUBJECT,
      // A daemon per run, like a fresh supervisor per run for mpm: no restart counters or
      // daemon state carry over from one run to the next. Its start is outside the window.
      start: async (ctx, port) => {
        const pm2 = new Pm2(ctx);
        try {
          await pm2.start(paths.demo, { name: 'demo', env: { PORT: String(port), HOST: '127.0.0.1' } });
        } catch (error) {
          await pm2.kill();
          throw error;
        }
        return { stop: () => pm2.kill() };
      },
    },
    {
      name: 'shell loop',
      start: async (ctx, port) => startShellLoop(ctx, { command: [process.execPath, paths.demo], env: { PORT: String(port), HOST: '127.0.0.1' } }),
    },
  ];
}

/** One kill → first acked ping from another pid, in ms, with the subject stopped afterwards. */
async function once(ctx, subject) {
  const port = await freePort();
  const running = await subject.start(ctx, port);
  try {
    const first = await firstAnsweredPing(port, { timeoutMs: TIMEOUT_MS });
    if (first === undefined) throw new Error(`${subject.name}: the demo server did not answer within ${TIMEOUT_MS / 1000} s`);
    await delay(SETTLE_MS);
    const start = performance.now();
    process.kill(first.pid, 'SIGKILL');
    const next = await firstAnsweredPing(port, { start, notPid: first.pid, timeoutMs: TIMEOUT_MS });
    if (next === undefined) throw new Error(`${subject.name}: no successor answered within ${TIMEOUT_MS / 1000} s of the kill`);
    return next.ms;
  } finally {
    await running.stop();
  }
}

const times = (ratio) => `${ratio.toFixed(2)}×`;

function targets(vsShell, vsPm2) {
  return [
    { target: 'restart ≤ 1.05× the bare shell loop', measured: times(vsShell), met: vsShell <= 1.05 },
    { target: 'restart below PM2', measured: times(vsPm2), met: vsPm2 < 1 },
  ];
}

function delaysNote(delays) {
  if (delays.length === 0) return 'mpm-supervise logged no child_restart_scheduled record: it respawned without a scheduled delay.';
  const distinct = [...new Set(delays)].map((ms) => `${ms} ms`).join(', ');
  return `mpm-supervise runs at its defaults (only --port set); its child_restart_scheduled records put each respawn ${distinct} after the exit, which is part of its figure.`;
}

export async function run(ctx) {
  const runs = ctx.quick ? 2 : 8;
  const observed = { mpmDelays: [] };
  const all = subjects(observed);
  const values = new Map(all.map((subject) => [subject.name, []]));
  for (let i = 0; i < runs; i += 1) {
    for (const subject of all) values.get(subject.name).push(await once(ctx, subject));
  }
  const mpm = values.get('mpm-supervise');
  const vsShell = pairRatios(mpm, values.get('shell loop'));
  const vsPm2 = pairRatios(mpm, values.get(PM2_SUBJECT));
  return {
    figures: all.map((subject) => ({ subject: subject.name, label: 'kill -9 → first acked ping from the successor', unit: 'ms', values: values.get(subject.name) })),
    ratios: [
      { label: 'mpm-supervise / shell loop', values: vsShell },
      { label: 'mpm-supervise / PM2', values: vsPm2 },
    ],
    targets: targets(summary(vsShell).median, summary(vsPm2).median),
    notes: [
      `Each run starts every subject afresh (a new supervisor, a new PM2 daemon with a private PM2_HOME, a new \`sh -c 'while :; do node …; done'\`), waits for the first acked ping, lets the server run ${SETTLE_MS / 1000} s more, then SIGKILLs the server's pid (from the ping reply); runs go mpm, PM2, shell loop, ${runs} times.`,
      delaysNote(observed.mpmDelays),
      'PM2 at its defaults in fork mode (restart_delay 0, no exp_backoff_restart_delay); its daemon start is not timed.',
    ],
  };
}
