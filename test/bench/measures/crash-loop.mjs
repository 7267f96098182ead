// Crash loop: how many restarts a supervisor makes, at its defaults, of a child that dies
// at every start. Fewer is less churn; what each did instead (back off, open a breaker,
// give up) is in the notes. Two such children: the demo server that ends by itself at start
// (DEMO_EXIT_AT_START=1, exit code 1) and one that throws right after listening
// (DEMO_CRASH_AFTER_MS=0), because PM2 treats the two very differently.
import { freePort } from '../lib/net.mjs';
import { paths } from '../lib/paths.mjs';
import { pairRatios } from '../lib/stats.mjs';
import { delay } from '../lib/wait.mjs';
import { startMpm } from '../subjects/mpm.mjs';
import { Pm2, PM2_VERSION } from '../subjects/pm2.mjs';

export const id = 'crash-loop';
export const title = 'Crash loop';

const PM2_SUBJECT = `PM2 ${PM2_VERSION}`;
const CHILDREN = [
  { key: 'exits', label: 'child exits at start', env: { DEMO_EXIT_AT_START: '1' } },
  { key: 'throws', label: 'child throws at start', env: { DEMO_CRASH_AFTER_MS: '0' } },
];

const seconds = (ms) => (ms / 1000).toFixed(1);
const span = (ms) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/** mpm-supervise at its defaults for one window: restarts from its child_spawned records, and what else it did. */
async function mpmWindow(ctx, child, windowMs) {
  const port = await freePort();
  const t0 = performance.now();
  const supervisor = startMpm(ctx, { command: [process.execPath, paths.demo], env: { ...child.env, PORT: String(port) } });
  let exit;
  supervisor.closed.then((result) => (exit = { ...result, atMs: performance.now() - t0 }));
  try {
    await delay(windowMs);
    const within = supervisor.records.filter(({ at }) => at - t0 <= windowMs).map(({ record, at }) => ({ ...record, atMs: at - t0 }));
    const spawns = within.filter((record) => record.event === 'child_spawned').length;
    if (spawns === 0) throw new Error(`mpm-supervise spawned no child in ${seconds(windowMs)} s: ${supervisor.stderr().trim().split('\n')[0]}`);
    return {
      restarts: spawns - 1,
      delays: within.filter((record) => record.event === 'child_restart_scheduled').map((record) => record.delayMs),
      opens: within.filter((record) => record.event === 'circuit_breaker' && record.to === 'open').map((record) => record.atMs),
      exit,
    };
  } finally {
    await supervisor.stop();
  }
}

/**
 * PM2 at its defaults (fork mode) for one window: restart_time and status at its end, and
 * when it last started the child, in s after `pm2 start` was run (for an errored app: how
 * long its restarts went on before it gave up).
 */
async function pm2Window(ctx, child, windowMs) {
  const pm2 = new Pm2(ctx);
  try {
    const startedAt = Date.now();
    await pm2.start(paths.demo, { name: 'crasher', env: { ...child.env, PORT: String(await freePort()), HOST: '127.0.0.1' } });
    await delay(windowMs);
    const app = await pm2.app('crasher');
    if (app === undefined) throw new Error(`pm2 jlist lost the app after ${seconds(windowMs)} s`);
    return { ...app, lastStartS: (app.lastStartAt - startedAt) / 1000 };
  } finally {
    await pm2.kill();
  }
}

/**
 * One pair per kind of child, all four windows at once: the supervisors are idle most of
 * the window, and the counts come from their policies rather than from timing.
 */
async function pairRound(ctx, windowMs) {
  const jobs = CHILDREN.flatMap((child) => [mpmWindow(ctx, child, windowMs), pm2Window(ctx, child, windowMs)]);
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return CHILDREN.map((_, i) => ({ mpm: settled[2 * i].value, pm2: settled[2 * i + 1].value }));
}

function mpmNote(child, runs, windowMs) {
  const delays = [...new Set(runs.flatMap((run) => run.delays))].join(', ');
  const opens = runs.map((run) => (run.opens.length === 0 ? 'never' : `${run.opens.map(seconds).join(', ')} s`)).join('; ');
  const exits = runs.map((run) => (run.exit === undefined ? 'no' : `exit ${run.exit.code} at ${seconds(run.exit.atMs)} s`)).join('; ');
  return `mpm-supervise, ${child.label}: respawn delays ${delays || 'none'} ms; circuit breaker opened at ${opens} (per pair); exited within the ${span(windowMs)} window: ${exits}.`;
}

function pm2Note(child, apps) {
  const states = apps.map((app) => `${app.status} after ${app.restarts} restarts, the last ${seconds(app.lastStartS * 1000)} s after \`pm2 start\``).join('; ');
  return `${PM2_SUBJECT}, ${child.label}: ${states} (per pair; PM2 stops for good at errored after max_restarts 16 runs shorter than min_uptime 1 s within its first 16 s).`;
}

/** Why PM2 never gives up on the first child; shown only when it did not. */
const PM2_LINGER_NOTE =
  'PM2 injects pm2-io-bpm into the child, whose IPC listener keeps the event loop alive until a 3 s check drops it: a child that ends by itself lives ~3 s under PM2, past min_uptime, so PM2 never counts it unstable and restarts it forever.';

export async function run(ctx) {
  const windowMs = ctx.quick ? 10_000 : 120_000;
  const pairs = ctx.quick ? 1 : 3;
  const rounds = [];
  for (let i = 0; i < pairs; i += 1) rounds.push(await pairRound(ctx, windowMs));
  const figures = [];
  const ratios = [];
  const notes = [
    `${pairs} pair(s) of ${span(windowMs)} windows from each supervisor's start; in each pair the mpm and PM2 windows for both children ran at the same time (all four are idle most of the window). The child exits at start with DEMO_EXIT_AT_START=1 (exit code 1, by itself) or throws right after listening with DEMO_CRASH_AFTER_MS=0. Restarts: mpm from its child_spawned records (spawns − 1), PM2 from restart_time in \`pm2 jlist\` at the window's end.`,
  ];
  CHILDREN.forEach((child, c) => {
    const mpm = rounds.map((round) => round[c].mpm);
    const pm2 = rounds.map((round) => round[c].pm2);
    const label = `restarts in ${span(windowMs)}, ${child.label}`;
    figures.push({ subject: 'mpm-supervise', label, unit: 'restarts', values: mpm.map((run) => run.restarts) });
    figures.push({ subject: PM2_SUBJECT, label, unit: 'restarts', values: pm2.map((app) => app.restarts) });
    const errored = pm2.filter((app) => app.status === 'errored');
    figures.push({
      subject: PM2_SUBJECT,
      label: `${child.label}: \`pm2 start\` → its last restart, when it ended errored`,
      unit: 's',
      values: errored.map((app) => app.lastStartS),
      outcome: `never errored within ${span(windowMs)} (status ${[...new Set(pm2.map((app) => app.status))].join(', ')})`,
    });
    const ratioLabel = c === 0 ? 'mpm-supervise / PM2' : `mpm-supervise / PM2, ${child.label}`;
    ratios.push({
      label: ratioLabel,
      values: pairRatios(
        mpm.map((run) => run.restarts),
        pm2.map((app) => app.restarts),
      ),
    });
    notes.push(mpmNote(child, mpm, windowMs), pm2Note(child, pm2));
    if (child.key === 'exits' && pm2.some((app) => app.status !== 'errored')) notes.push(PM2_LINGER_NOTE);
  });
  return { figures, ratios, targets: [], notes };
}
