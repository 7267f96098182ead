#!/usr/bin/env node
// `pnpm soak [--minutes N] [--seed S]`: mpm-supervise over the demo server for N minutes
// (default 10), with faults injected at random one after the other (SIGKILL, crash,
// SIGSTOP, blocked loop, memory leak, client storm), each given time to recover before
// the next. Reports faults injected and recovered, time to recover, lines lost, processes
// left behind, and the supervisor's own RSS and FDs from start to end; writes
// results/soak.{md,json} (soak-quick.* under 10 minutes, which CI runs at 1 minute).
// Exits 1 when a fault was not recovered in time or the supervisor did not settle after it,
// no numbered line was checked or one was lost, a process was left behind or the
// supervisor's footprint grew past its bound; 64 on bad usage.
import { parseArgs } from 'node:util';
import { ACT_AFTER_MS } from '../../apps/demo-server/dist/index.js';
import { machine } from './lib/machine.mjs';
import { firstAnsweredPing } from './lib/net.mjs';
import { paths } from './lib/paths.mjs';
import { runTag } from './lib/run-tag.mjs';
import { delay, waitFor } from './lib/wait.mjs';
import { FAULT_KINDS } from './soak/faults.mjs';
import { checkLines } from './soak/lines.mjs';
import { actionsIn, breakerOpens, settled } from './soak/observe.mjs';
import { faultPlan, seededRandom } from './soak/plan.mjs';
import { judge, writeSoakReport } from './soak/report.mjs';
import { growth, sampler } from './soak/sampler.mjs';
import { startSupervised } from './soak/supervised.mjs';

const USAGE = 'usage: pnpm soak [--minutes N] [--seed S]  (N: minutes of faults, above 0 and at most 1440; default 10)';
/** A fault not recovered within this long is a failure of the soak. */
const RECOVERY_DEADLINE_MS = 60_000;
/** How long the supervisor may take to finish its verdicts and call the child healthy after a recovery. */
const SETTLE_TIMEOUT_MS = 30_000;
/** After each recovery the child runs undisturbed this long, at random, before the next fault. */
const GAP_MS = { min: 3_000, max: 6_000 };
/** A fault is started only if its typical duration ends at most this long after the N minutes. */
const FIT_SLACK_MS = 15_000;
/** Slow to recover: in the first round they come after the quick kinds. */
const SLOW_KINDS = ['leak'];

function usage(message) {
  process.stderr.write(`soak: ${message}; ${USAGE}\n`);
  process.exit(64);
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, seed: { type: 'string' } } }));
  } catch (error) {
    usage(error.message.split('\n')[0]);
  }
  const minutes = /^\d+(\.\d+)?$/.test(values.minutes) ? Number(values.minutes) : NaN;
  if (!(minutes > 0 && minutes <= 1440)) usage(`invalid --minutes ${JSON.stringify(values.minutes)}: expected a number above 0 and at most 1440`);
  if (values.seed !== undefined && !/^\d{1,10}$/.test(values.seed)) usage(`invalid --seed ${JSON.stringify(values.seed)}: expected a whole number`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(values.seed) >>> 0;
  return { minutes, seed };
}

const { minutes, seed } = readOptions();
const tag = runTag();
const ctx = { env: { ...process.env, ...tag.env }, log: (line) => process.stdout.write(`  ${line}\n`) };
const random = seededRandom(seed);

// Ctrl-C: leave nothing behind.
process.once('SIGINT', () => {
  tag.killLeft();
  process.exit(130);
});

/** Waits until the supervisor is done with the last fault; false if it was not within SETTLE_TIMEOUT_MS. */
async function settle(records) {
  try {
    await waitFor('the supervisor to settle', () => (settled(records) ? true : undefined), { timeoutMs: SETTLE_TIMEOUT_MS, pollMs: 50 });
    return true;
  } catch {
    return false;
  }
}

/** Injects one fault of `kind` into the child `pid` and times its recovery. */
async function runFault(subject, kind, pid, startedAt) {
  const { mpm, port } = subject;
  const from = mpm.records.length;
  const injected = await FAULT_KINDS[kind].inject({ port, pid, random });
  const answer = await firstAnsweredPing(port, {
    start: injected.at,
    notPid: injected.samePidRecovers ? undefined : injected.pid,
    timeoutMs: RECOVERY_DEADLINE_MS,
  });
  const wasSettled = answer !== undefined && (await settle(mpm.records));
  return {
    kind,
    atS: Number(((injected.at - startedAt) / 1000).toFixed(1)),
    pid: injected.pid,
    newPid: answer?.pid,
    recoveredMs: answer === undefined ? undefined : Math.round(answer.ms),
    settled: wasSettled,
    ...(injected.detail === undefined ? {} : { detail: injected.detail }),
    supervisor: actionsIn(mpm.records.slice(from)),
  };
}

async function soak() {
  const startedAt = performance.now();
  const startedAtIso = new Date().toISOString();
  const subject = await startSupervised(ctx);
  const { mpm } = subject;
  const faults = [];
  const problems = [];
  let footprint;
  let hardMemoryLimit;
  let settledAtEnd;
  let exit;
  try {
    const first = await firstAnsweredPing(subject.port, { timeoutMs: 30_000 });
    if (first === undefined) throw new Error(`the demo server never answered a ping under the supervisor: ${mpm.stderr().trim().split('\n')[0] ?? ''}`);
    if (!(await settle(mpm.records))) throw new Error('the supervisor never called the first child healthy');
    const footprintSampler = sampler(mpm.pid, startedAt);
    footprintSampler.start();
    hardMemoryLimit = subject.hardMemoryLimit();
    const typicalMs = (kind) => (kind === 'leak' && !hardMemoryLimit ? FAULT_KINDS.leak.slowTypicalMs : FAULT_KINDS[kind].typicalMs);
    const plan = faultPlan(Object.keys(FAULT_KINDS), { slowFirstRound: SLOW_KINDS, random });
    const windowEnd = performance.now() + minutes * 60_000;
    let pid = first.pid;
    ctx.log(`supervisor ${mpm.pid}, child ${pid} on port ${subject.port}; faults for ${minutes} min (seed ${seed})`);
    for (;;) {
      await delay(GAP_MS.min + random() * (GAP_MS.max - GAP_MS.min));
      if (!(await settle(mpm.records))) ctx.log('the supervisor had not settled after the last fault; going on');
      const kind = plan.next((k) => performance.now() + typicalMs(k) <= windowEnd + FIT_SLACK_MS);
      if (kind === undefined || performance.now() >= windowEnd) break;
      const fault = await runFault(subject, kind, pid, startedAt);
      faults.push(fault);
      ctx.log(
        `${String(faults.length).padStart(3)} ${fault.atS.toFixed(1).padStart(6)} s  ${kind.padEnd(5)} ${fault.pid} → ${fault.newPid ?? '-'}  ${fault.recoveredMs === undefined ? `NOT RECOVERED within ${RECOVERY_DEADLINE_MS / 1000} s` : `${fault.recoveredMs} ms`}  ${fault.supervisor.join('; ')}`,
      );
      if (fault.newPid === undefined) break;
      pid = fault.newPid;
    }
    settledAtEnd = await settle(mpm.records);
    footprintSampler.take();
    footprintSampler.stop();
    footprint = { ...growth(footprintSampler.samples), samples: footprintSampler.samples };
  } catch (error) {
    problems.push(`soak stopped early: ${error.message.split('\n')[0]}`);
  } finally {
    exit = await subject.stop();
  }
  const leaked = await tag.sweep();
  const lines = checkLines(subject.logFile);
  subject.removeFiles();
  return {
    minutes,
    seed,
    startedAt: startedAtIso,
    seconds: Math.round((performance.now() - startedAt) / 1000),
    machine: machine(),
    settings: subject.settings,
    hardMemoryLimit,
    deadlineMs: RECOVERY_DEADLINE_MS,
    settleTimeoutMs: SETTLE_TIMEOUT_MS,
    settledAtEnd,
    gapMs: GAP_MS,
    actAfterMs: ACT_AFTER_MS,
    faults,
    lines,
    leaked,
    footprint,
    breakerOpens: breakerOpens(mpm.records),
    supervisorExit: exit,
    problems,
  };
}

const result = await soak();
const report = judge(result, FAULT_KINDS);
const base = minutes >= 10 ? 'soak' : 'soak-quick';
const text = writeSoakReport(paths.results, base, report);
process.stdout.write(`\n${text}\nwrote test/bench/results/${base}.md and ${base}.json\n`);
if (report.problems.length > 0) {
  process.stdout.write(`soak: ${report.problems.length} problem(s):\n${report.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('soak: every fault recovered in time; no line lost, no process left behind, the supervisor stayed bounded\n');
