// Log throughput: a child floods stdout with numbered lines; how fast do they reach the log
// file, and do they all arrive? mpm-supervise (--log-file) vs the child writing the file
// itself (the ceiling) vs PM2 fork mode (its <name>-out.log), run pair by pair.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paths } from '../lib/paths.mjs';
import { pairRatios, summary } from '../lib/stats.mjs';
import { waitFor } from '../lib/wait.mjs';
import { Pm2, PM2_VERSION } from '../subjects/pm2.mjs';

export const id = 'log-throughput';
export const title = 'Log throughput';

const FIXTURE = fileURLToPath(new URL('../fixtures/numbered-lines.mjs', import.meta.url));
const PM2_SUBJECT = `PM2 ${PM2_VERSION}`;
/** Bytes read from the end of the log file when looking for the last line. */
const TAIL_BYTES = 16 * 1024;
/** Slower than this, a run is a failure rather than a figure. */
const MIN_LINES_PER_SECOND = 2000;
const POLL_MS = 2;
/** How the child writes: line by line like a server's logger, and in bulk. */
const STYLES = [
  { id: 'line', label: 'one console.log per line', linesPerWrite: 1 },
  { id: 'bulk', label: '1,000 lines per write', linesPerWrite: 1000 },
];

const lineText = (n) => `line ${String(n).padStart(7, '0')}`;
const NUMBERED = /^line (\d{7})$/;
/** Wall-clock milliseconds, comparable with the child's own stamp. */
const wallNow = () => performance.timeOrigin + performance.now();

/** mpm-supervise, as under systemd but with its stdout (journald there) going to /dev/null. */
const mpm = {
  name: 'mpm-supervise',
  marker: (n) => `"message":"${lineText(n)}"`,
  async start(ctx, dir, command) {
    const logFile = join(dir, 'mpm.log');
    const stateDir = join(dir, 'state');
    const child = spawn(process.execPath, [paths.bundle, '--http-port', '0', '--log-file', logFile, '--', ...command], {
      env: { ...ctx.env, MPM_LOG_FORMAT: 'json', MPM_STATE_DIR: stateDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    return {
      logFile,
      // Stopped first: a rotated file may still be taking the lines its stream held.
      async lines() {
        await stop(child, closed);
        if (stderr !== '') ctx.log(`mpm-supervise stderr: ${stderr.trim().split('\n')[0]}`);
        return childLines(dir, 'mpm.log', parseRecord);
      },
      stop: () => stop(child, closed),
    };
  },
};

/** The child with its stdout redirected to the file by the spawn: no relay at all. */
const direct = {
  name: 'direct to file',
  marker: (n) => `${lineText(n)}\n`,
  async start(ctx, dir, command) {
    const logFile = join(dir, 'direct.log');
    const fd = openSync(logFile, 'a');
    const child = spawn(command[0], command.slice(1), { env: { ...ctx.env }, stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    return {
      logFile,
      lines: async () => childLines(dir, 'direct.log', parseRaw),
      stop: () => stop(child, closed),
    };
  },
};

/** PM2 fork mode with a private PM2_HOME; the daemon appends the app's stdout to <name>-out.log. */
const pm2 = {
  name: PM2_SUBJECT,
  marker: (n) => `${lineText(n)}\n`,
  async start(ctx, dir, command) {
    const daemon = new Pm2(ctx);
    const logs = join(daemon.home, 'logs');
    try {
      await daemon.start(command[1], { name: 'lines', args: command.slice(2) });
    } catch (error) {
      await daemon.kill();
      throw error;
    }
    return {
      logFile: join(logs, 'lines-out.log'),
      // Read before the kill, which removes PM2_HOME; PM2 does not rotate, so the file is whole.
      lines: async () => childLines(logs, 'lines-out.log', parseRaw),
      stop: () => daemon.kill(),
    };
  },
};

/** SIGTERM, then the exit (SIGKILL if it takes more than 30 s); harmless when already gone. */
async function stop(child, closed) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await closed;
  clearTimeout(timer);
}

/** The child's numbered lines in a JSON record of mpm-supervise's log. */
function parseRecord(line) {
  if (!line.startsWith('{')) return undefined;
  const record = JSON.parse(line);
  return record.source === 'child' && record.stream === 'stdout' ? record.message : undefined;
}

const parseRaw = (line) => line;

/** Distinct numbered lines in `name` and its rotated files (`name.1`, `name.2`, …) in `dir`. */
function childLines(dir, name, parse) {
  const seen = new Set();
  for (const file of readdirSync(dir).filter((entry) => entry === name || entry.startsWith(`${name}.`))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const match = NUMBERED.exec(parse(line) ?? '');
      if (match !== null) seen.add(Number(match[1]));
    }
  }
  return seen;
}

/** Whether the last TAIL_BYTES of `file` hold `marker`; false while it does not exist. */
function tailHas(file, marker) {
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, TAIL_BYTES));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.includes(marker);
  } finally {
    closeSync(fd);
  }
}

/** The child's own stamp of when it started writing, once it is there. */
function readStamp(file) {
  try {
    const text = readFileSync(file, 'utf8');
    return text === '' ? undefined : Number(text);
  } catch {
    return undefined;
  }
}

/**
 * One run: the child writes `count` lines through `subject`; the clock runs from the
 * child's first write to the moment its last line is in the log file.
 */
async function relay(ctx, subject, { count, linesPerWrite }) {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'mpm-bench-lines-'));
  const stampFile = join(dir, 'started');
  let running;
  try {
    running = await subject.start(ctx, dir, [process.execPath, FIXTURE, String(count), stampFile, String(linesPerWrite)]);
    const started = await waitFor(`${subject.name}: the child to start writing`, () => readStamp(stampFile), { pollMs: 5 });
    const marker = subject.marker(count);
    const timeoutMs = (count / MIN_LINES_PER_SECOND) * 1000;
    const arrived = await waitFor(`${subject.name}: line ${count} in the log file`, () => (tailHas(running.logFile, marker) ? wallNow() : undefined), { timeoutMs, pollMs: POLL_MS });
    const seen = await running.lines();
    const seconds = (arrived - started) / 1000;
    return { linesPerSecond: count / seconds, seconds, lost: count - seen.size, wholeSeconds: (performance.now() - t0) / 1000 };
  } finally {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(ctx) {
  const count = ctx.quick ? 20_000 : 200_000;
  const runs = ctx.quick ? 1 : 5;
  const subjects = [mpm, direct, pm2];
  const results = new Map(STYLES.flatMap((style) => subjects.map((subject) => [`${style.id} ${subject.name}`, []])));
  const of = (style, subject, key = 'linesPerSecond') => results.get(`${style.id} ${subject.name}`).map((result) => result[key]);
  // Pair by pair: each run measures every style and subject once, in the same order.
  for (let i = 0; i < runs; i += 1) {
    for (const style of STYLES) {
      for (const subject of subjects) {
        const result = await relay(ctx, subject, { count, linesPerWrite: style.linesPerWrite });
        results.get(`${style.id} ${subject.name}`).push(result);
        ctx.log(
          `run ${i + 1}/${runs}, ${style.label}, ${subject.name}: ${Math.round(result.linesPerSecond)} lines/s (${result.seconds.toFixed(3)} s; ${result.wholeSeconds.toFixed(1)} s with start and stop), ${result.lost} lost`,
        );
      }
    }
  }
  const lost = (subject) => STYLES.flatMap((style) => of(style, subject, 'lost')).reduce((sum, n) => sum + n, 0);
  const figures = [];
  const ratios = [];
  const targets = [];
  for (const style of STYLES) {
    for (const subject of subjects) {
      figures.push({ subject: subject.name, label: `${count.toLocaleString('en')} lines, ${style.label}`, unit: 'lines/s', values: of(style, subject) });
    }
    const vsPm2 = pairRatios(of(style, mpm), of(style, pm2));
    ratios.push({ label: `mpm-supervise / ${PM2_SUBJECT}, ${style.label} (lines/s)`, values: vsPm2 });
    ratios.push({ label: `mpm-supervise / direct to file, ${style.label} (lines/s)`, values: pairRatios(of(style, mpm), of(style, direct)) });
    const ratio = summary(vsPm2)?.median;
    const lostHere = of(style, mpm, 'lost').reduce((sum, n) => sum + n, 0);
    targets.push({
      target: `${style.label}: ≥ PM2 lines/s, none lost`,
      measured: `${ratio === undefined ? '–' : `${ratio.toFixed(2)}×`} PM2, ${lostHere} lost`,
      met: ratio !== undefined && ratio >= 1 && lostHere === 0,
    });
  }
  for (const subject of subjects) figures.push({ subject: subject.name, label: 'lines lost, per run', unit: 'lines', values: STYLES.flatMap((style) => of(style, subject, 'lost')) });
  return {
    figures,
    ratios,
    targets,
    notes: [
      `The child writes ${count.toLocaleString('en')} numbered lines of 13 bytes, one console.log per line as a server that logs does, or 1,000 lines per write; the clock runs from its first write until its last line is in the log file (polled every ${POLL_MS} ms).`,
      "mpm-supervise's stdout goes to /dev/null, standing in for journald: every line is still formatted and written there, only nobody reads it.",
      'mpm-supervise writes each line as a timestamped JSON record (~110 bytes) to stdout and the file; PM2 appends the raw bytes a chunk at a time, with no timestamp: with 1,000 lines per write it has next to nothing to do per line, and leads.',
      ...(lost(pm2) > 0 ? [`PM2 lost ${lost(pm2)} line(s) over ${runs} run(s) of each kind.`] : []),
    ],
    linesLost: lost(mpm),
  };
}
