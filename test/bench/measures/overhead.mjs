// Supervisor overhead: what the supervisor itself costs while its child is healthy. Its RSS
// and CPU, read from /proc over a fixed window with the demo server probed every second
// (process, TCP, Socket.IO and IPC agent checks), vs the PM2 daemon (God) keeping the same
// demo server over the same window. Runs go bin, tsc build, PM2, idle node, so that
// drifting load on the machine hits all of them alike.
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { freePort, firstAnsweredPing } from '../lib/net.mjs';
import { paths } from '../lib/paths.mjs';
import { CLK_TCK, cpuTicks, privateMb, rssMb } from '../lib/proc.mjs';
import { pairRatios, summary } from '../lib/stats.mjs';
import { delay } from '../lib/wait.mjs';
import { startMpm } from '../subjects/mpm.mjs';
import { Pm2, PM2_VERSION } from '../subjects/pm2.mjs';

export const id = 'overhead';
export const title = 'Supervisor overhead';

const MPM_SUBJECT = 'mpm-supervise';
const TSC_SUBJECT = 'mpm-supervise (tsc build, dist/cli.js)';
const PM2_SUBJECT = `PM2 ${PM2_VERSION} daemon`;
const FLOOR_SUBJECT = 'idle node (the floor)';
/**
 * From the child healthy/online to the window: the start's garbage and the first rounds'
 * compilation (0.5–1 % of a core for some 10 s, on V8's threads) are not what a long run
 * costs. Quick runs only check that everything works, and wait less.
 */
const settleMs = (ctx) => (ctx.quick ? 3000 : 10_000);
/** The idle node process does nothing, so a few seconds tell. */
const FLOOR_SECONDS = 3;
const TIMEOUT_MS = 30_000;
/** Every checker the supervisor has must be reporting, or the figure would flatter it. */
const CHECKERS = ['process', 'network', 'socketio', 'service'];
const TARGET_RSS_MB = 48;
const TARGET_CPU_PERCENT = 0.5;

/**
 * RSS and USS every second (mean, and the peak RSS) and CPU as % of one core over
 * `seconds`. Samples are taken on whole seconds from the start, so that a slow read does
 * not stretch the window.
 */
async function sample(pid, seconds) {
  const gone = () => new Error(`process ${pid} went away while it was measured`);
  const ticks0 = cpuTicks(pid);
  const t0 = performance.now();
  const rss = [];
  const uss = [];
  for (let i = 1; i <= seconds; i += 1) {
    await delay(Math.max(0, t0 + i * 1000 - performance.now()));
    const [resident, own] = [rssMb(pid), privateMb(pid)];
    if (resident === undefined || own === undefined) throw gone();
    rss.push(resident);
    uss.push(own);
  }
  const ticks1 = cpuTicks(pid);
  if (ticks0 === undefined || ticks1 === undefined) throw gone();
  const mean = (list) => list.reduce((sum, mb) => sum + mb, 0) / list.length;
  return {
    rssMean: mean(rss),
    rssPeak: Math.max(...rss),
    ussMean: mean(uss),
    cpuPercent: (100 * (ticks1 - ticks0)) / CLK_TCK / ((performance.now() - t0) / 1000),
  };
}

/**
 * Where a process's RSS is, from /proc/PID/smaps, in MiB: node's own binary (code and data,
 * shared with every node process), other shared libraries, the malloc heap, and anonymous
 * memory (V8's heap, thread stacks, malloc arenas). Undefined when the process is gone.
 */
function rssParts(pid) {
  const nodeBinary = realpathSync(process.execPath);
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return undefined;
  }
  const parts = { node: 0, libraries: 0, malloc: 0, anonymous: 0 };
  let part = 'anonymous';
  for (const line of text.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping !== null) {
      const name = mapping[1];
      part = name === '[heap]' ? 'malloc' : name === nodeBinary ? 'node' : name.startsWith('/') ? 'libraries' : 'anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null) parts[part] += Number(rss[1]) / 1024;
  }
  return parts;
}

/** Throws unless /health shows a metric from every checker (the IPC one needs the agent). */
async function assertEveryChecker(url) {
  const body = await (await fetch(`${url}/health`)).json();
  const reporting = new Set(Object.keys(body.checks ?? {}).map((key) => key.split(':')[0]));
  const missing = CHECKERS.filter((name) => !reporting.has(name));
  if (missing.length > 0) throw new Error(`mpm-supervise ran without the ${missing.join(', ')} checker(s)`);
}

async function measureMpm(ctx, entry, seconds) {
  const port = await freePort();
  const mpm = startMpm(ctx, { entry, args: ['--port', String(port), '--check-interval', '1s'], command: [process.execPath, paths.demo] });
  try {
    const { record: listening } = await mpm.waitRecord('the status server', (r) => r.event === 'status_server_listening', TIMEOUT_MS);
    await mpm.waitRecord('the child healthy', (r) => r.event === 'health_changed' && r.to === 'healthy', TIMEOUT_MS);
    await delay(settleMs(ctx));
    const usage = { ...(await sample(mpm.pid, seconds)), parts: rssParts(mpm.pid) };
    await assertEveryChecker(listening.url);
    // One change (starting → healthy) is expected; any other means the child was not healthy throughout.
    const changes = mpm.records.filter(({ record }) => record.event === 'health_changed');
    if (changes.length !== 1) throw new Error(`the child's health changed while mpm-supervise was measured: ${changes.at(-1).record.message}`);
    return usage;
  } finally {
    await mpm.stop();
  }
}

async function measurePm2(ctx, seconds) {
  const port = await freePort();
  const pm2 = new Pm2(ctx);
  try {
    await pm2.start(paths.demo, { name: 'demo', env: { PORT: String(port), HOST: '127.0.0.1' } });
    if ((await firstAnsweredPing(port, { timeoutMs: TIMEOUT_MS })) === undefined) throw new Error('the demo server under PM2 did not answer');
    const daemon = await pm2.daemonPid();
    await delay(settleMs(ctx));
    const usage = { ...(await sample(daemon, seconds)), parts: rssParts(daemon) };
    const app = await pm2.app('demo');
    if (app?.status !== 'online' || app.restarts !== 0) throw new Error(`the demo server under PM2 did not stay online: ${JSON.stringify(app)}`);
    return usage;
  } finally {
    await pm2.kill();
  }
}

/** An idle node process that loads nothing: what any Node program starts from. */
async function measureFloor(ctx) {
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: ctx.env, stdio: 'ignore' });
  const exited = new Promise((resolve) => idle.once('exit', resolve));
  try {
    await delay(settleMs(ctx));
    return { ...(await sample(idle.pid, FLOOR_SECONDS)), parts: rssParts(idle.pid) };
  } finally {
    idle.kill('SIGKILL');
    await exited;
  }
}

const mb = (value) => `${value.toFixed(1)} MB`;
const pct = (value) => `${value.toFixed(2)} %`;
const field = (runs, key) => runs.map((run) => run[key]);

function figures(results) {
  return [...results].flatMap(([subject, runs]) => {
    const rss = { subject, label: 'RSS, mean over the window', unit: 'MB', values: field(runs, 'rssMean') };
    if (subject === FLOOR_SUBJECT) return [rss];
    return [
      rss,
      { subject, label: 'RSS, peak (sampled every second)', unit: 'MB', values: field(runs, 'rssPeak') },
      { subject, label: 'private memory (USS), mean', unit: 'MB', values: field(runs, 'ussMean') },
      { subject, label: 'CPU, % of one core over the window', unit: '%', values: field(runs, 'cpuPercent') },
    ];
  });
}

function targets(mpm) {
  const median = (key) => summary(field(mpm, key)).median;
  const [rss, peak, cpu] = [median('rssMean'), median('rssPeak'), median('cpuPercent')];
  return [
    { target: `supervisor RSS ≤ ${TARGET_RSS_MB} MB (mean over the window)`, measured: `${mb(rss)} (peak ${mb(peak)})`, met: rss <= TARGET_RSS_MB },
    { target: `supervisor CPU ≤ ${TARGET_CPU_PERCENT} % of a core`, measured: pct(cpu), met: cpu <= TARGET_CPU_PERCENT },
  ];
}

/** One subject's RSS by part, as at the end of its last run. */
function partsText(runs) {
  const parts = runs.at(-1).parts;
  if (parts === undefined) return 'not read';
  return `${mb(parts.node)} node's binary, ${mb(parts.libraries)} other libraries, ${mb(parts.malloc)} malloc heap, ${mb(parts.anonymous)} anonymous (V8's heap and the like)`;
}

function notes(ctx, results, runs, seconds) {
  const settle = settleMs(ctx) / 1000;
  return [
    `Each run starts the subject afresh with the demo server as its child, waits until the child is healthy (mpm-supervise's health_changed → healthy) or online and answering a ping (PM2), lets it settle ${settle} s, then reads /proc every second for ${seconds} s: RSS (VmRSS) mean and peak, USS (Private_Clean + Private_Dirty of smaps_rollup) mean, CPU = utime + stime over the window as % of one core (tick: 1/${CLK_TCK} s, so ${(100 / CLK_TCK / seconds).toFixed(2)} % is the resolution); ${runs} run(s) of each, interleaved.`,
    `mpm-supervise at --check-interval 1s with every checker reporting (process via /proc, TCP connect, Socket.IO acked ping, IPC ping to the agent): one full round every second. "${MPM_SUBJECT}" is the one-file build apps/supervisor/bundle/mpm-supervise.mjs, which the \`mpm-supervise\` bin, the systemd unit and the container images run; "${TSC_SUBJECT}" is the tsc output, run as \`node apps/supervisor/dist/cli.js\` (pnpm demo, the rest of this bench): the same code as 650-odd separate modules, each kept with its own source.`,
    `Not the same work: PM2's daemon probes nothing. At its defaults it does nothing per second for a healthy fork-mode app: it waits on the child's exit, and every 30 s (WORKER_INTERVAL) reads each app's CPU and memory with pidusage (for max_memory_restart) and collects host metrics (sysmonit).`,
    `Where the RSS is (/proc/PID/smaps after the last window): ${[MPM_SUBJECT, PM2_SUBJECT, FLOOR_SUBJECT].map((subject) => `${subject}: ${partsText(results.get(subject))}`).join('; ')}. Node's binary pages grow with the code paths a process runs (TurboFan, http, net, child_process, crypto) and are the same pages in every node process.`,
    `"${FLOOR_SUBJECT}" is \`node -e "setInterval(() => {}, 1000)"\`, sampled ${FLOOR_SECONDS} s after ${settle} s: most of any Node process's RSS is node itself, its binary's code and data pages, which RSS counts in full although every node process on the machine (the demo server under either supervisor, too) shares them; USS leaves them out.`,
  ];
}

export async function run(ctx) {
  const runs = ctx.quick ? 1 : 3;
  const seconds = ctx.quick ? 4 : 60;
  const subjects = [
    { name: MPM_SUBJECT, measure: () => measureMpm(ctx, paths.bundle, seconds) },
    { name: TSC_SUBJECT, measure: () => measureMpm(ctx, paths.cli, seconds) },
    { name: PM2_SUBJECT, measure: () => measurePm2(ctx, seconds) },
    { name: FLOOR_SUBJECT, measure: () => measureFloor(ctx) },
  ];
  const results = new Map(subjects.map((subject) => [subject.name, []]));
  for (let i = 0; i < runs; i += 1) {
    for (const subject of subjects) {
      const usage = await subject.measure();
      ctx.log(`run ${i + 1}/${runs}, ${subject.name}: RSS ${mb(usage.rssMean)} (peak ${mb(usage.rssPeak)}), USS ${mb(usage.ussMean)}, CPU ${pct(usage.cpuPercent)}`);
      results.get(subject.name).push(usage);
    }
  }
  const mpm = results.get(MPM_SUBJECT);
  const pm2 = results.get(PM2_SUBJECT);
  return {
    figures: figures(results),
    ratios: [
      { label: `${MPM_SUBJECT} / PM2 daemon, RSS (mean)`, values: pairRatios(field(mpm, 'rssMean'), field(pm2, 'rssMean')) },
      { label: `${MPM_SUBJECT} / PM2 daemon, USS (mean)`, values: pairRatios(field(mpm, 'ussMean'), field(pm2, 'ussMean')) },
      { label: `${MPM_SUBJECT} / PM2 daemon, CPU`, values: pairRatios(field(mpm, 'cpuPercent'), field(pm2, 'cpuPercent')) },
    ],
    targets: targets(mpm),
    notes: notes(ctx, results, runs, seconds),
  };
}
