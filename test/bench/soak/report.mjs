// The soak's verdict and its report: results/soak.json (every value) and soak.md (what a reader wants).
import { mkdirSync, writeFileSync } from 'node:fs';
import { summary } from '../lib/stats.mjs';
import { FD_SLACK, RSS_FACTOR, RSS_SLACK_MB, SAMPLE_EVERY_MS } from './sampler.mjs';

/** The kinds a soak of a minute or more must cover (leak is slow and may come later). */
const MUST_COVER = ['kill', 'crash', 'stop', 'block', 'storm'];

function recoveryFigures(faults) {
  const times = faults.map((fault) => fault.recoveredMs).filter((ms) => ms !== undefined);
  const s = summary(times);
  return { injected: faults.length, recovered: times.length, medianMs: s?.median, maxMs: s?.max };
}

/** Adds the per-kind figures and the problems that fail the soak. */
export function judge(result, kinds) {
  const problems = [...result.problems];
  const byKind = Object.keys(kinds).map((kind) => ({ kind, what: kinds[kind].what, ...recoveryFigures(result.faults.filter((fault) => fault.kind === kind)) }));
  const overall = recoveryFigures(result.faults);
  result.faults.forEach((fault, index) => {
    if (fault.recoveredMs === undefined) problems.push(`fault ${index + 1} (${fault.kind} at ${fault.atS} s): not recovered within ${result.deadlineMs / 1000} s`);
    else if (!fault.settled)
      problems.push(
        `fault ${index + 1} (${fault.kind} at ${fault.atS} s): recovered, but the supervisor did not settle (child healthy, every action's verdict given) within ${result.settleTimeoutMs / 1000} s`,
      );
  });
  if (result.faults.length > 0 && result.settledAtEnd === false) problems.push(`the supervisor had not settled at the end of the soak (within ${result.settleTimeoutMs / 1000} s)`);
  if (result.faults.length === 0) problems.push('no fault was injected');
  if (result.minutes >= 1 && result.problems.length === 0 && overall.recovered === overall.injected) {
    const missed = MUST_COVER.filter((kind) => !result.faults.some((fault) => fault.kind === kind));
    if (missed.length > 0) problems.push(`not covered: ${missed.join(', ')} (a soak of a minute or more must inject each)`);
  }
  // Without numbered lines there is nothing to have lost: that is no evidence.
  if (result.lines.checked === 0) problems.push(`no numbered line was checked (${result.lines.files} log file(s), ${result.lines.children} child(ren) seen)`);
  if (result.lines.silent > 0) problems.push(`${result.lines.silent} child(ren) ran a second or more without a numbered line in the log`);
  if (result.lines.lost > 0) problems.push(`${result.lines.lost} line(s) lost`);
  if (result.lines.disorder > 0) problems.push(`${result.lines.disorder} line(s) out of order or repeated`);
  if (result.leaked.length > 0) problems.push(`${result.leaked.length} process(es) left behind: ${result.leaked.map((p) => `${p.pid} ${p.command}`).join(', ')}`);
  const fp = result.footprint;
  if (fp?.rssMb === undefined) problems.push("the supervisor's footprint was not sampled");
  else {
    if (!fp.rssMb.ok) problems.push(`supervisor RSS grew from ${fp.rssMb.start} to ${fp.rssMb.end} MiB (bound ${fp.rssMb.bound} MiB)`);
    if (!fp.fds.ok) problems.push(`supervisor FDs grew from ${fp.fds.start} to ${fp.fds.end} (bound ${fp.fds.bound})`);
  }
  if (result.breakerOpens.length > 0) problems.push(`the circuit breaker opened ${result.breakerOpens.length} time(s), first: ${result.breakerOpens[0]}`);
  const exit = result.supervisorExit;
  if (exit !== undefined && (exit.code !== 0 || exit.signal !== null)) problems.push(`the supervisor exited with ${exit.signal ?? `code ${exit.code}`} when stopped`);
  return { ...result, byKind, overall, problems };
}

const ms = (value) => {
  if (value === undefined) return '–';
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString('en-US')} ms`;
};
const kinds = (counts) =>
  Object.entries(counts ?? {})
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');

function stormNote(fault) {
  const d = fault.detail;
  return `${d.connected}/${d.clients} clients in ${ms(d.connectMs)}, ${d.pings} pings (p50 ${ms(d.pingP50Ms)}, max ${ms(d.pingMaxMs)}, ${d.unanswered} unanswered)${fault.newPid !== fault.pid ? ', server restarted during the storm' : ''}`;
}

function markdown(report) {
  const m = report.machine;
  const out = [];
  const line = (text = '') => out.push(text);
  line(`# mpm-supervise soak${report.minutes < 10 ? ' (quick)' : ''}`);
  line();
  line(`Ran ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC: \`pnpm soak --minutes ${report.minutes} --seed ${report.seed}\`, ${Math.round(report.seconds)} s in all,`);
  line(`on ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, mpm-supervise ${m.mpmSupervise}.`);
  line();
  line(
    `The supervisor ran with \`--check-interval 1s\` and ${Object.entries(report.settings)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')}` +
      ` (child.maxMemoryMb ${report.hardMemoryLimit === false ? 'is not known to this build: leaks go through the graded ladder' : 'in effect'}); every other setting is the default, the circuit breaker's too.`,
  );
  line(
    `Faults come one at a time: each one only after the last was recovered, the supervisor had given its verdicts and called the child healthy, and the child had run ${report.gapMs.min / 1000}–${report.gapMs.max / 1000} s more (at random).`,
  );
  line();
  line('## Faults');
  line();
  line('| fault | injected | recovered | time to recover: median | max |');
  line('|---|---|---|---|---|');
  for (const k of report.byKind) line(`| ${k.kind}: ${k.what} | ${k.injected} | ${k.recovered} | ${ms(k.medianMs)} | ${ms(k.maxMs)} |`);
  line(`| **all** | **${report.overall.injected}** | **${report.overall.recovered}** | **${ms(report.overall.medianMs)}** | **${ms(report.overall.maxMs)}** |`);
  line();
  line(
    `Time to recover runs from the fault (the signal sent; for crash, block and leak the moment the server strikes, ${report.actAfterMs} ms after it acked the request) to the first acked Socket.IO \`ping\` from a new child process;`,
  );
  line(`for a storm, from the moment the last client left to the first acked \`ping\` (from whichever process). Deadline ${report.deadlineMs / 1000} s each.`);
  line();
  line('## Lines, processes, supervisor');
  line();
  const l = report.lines;
  line(
    `- **Lines lost: ${l.lost}** (${l.disorder} out of order or repeated), of ${l.checked.toLocaleString('en-US')} numbered lines from ${l.children} children, read back from ${l.files} log file(s) across rotation;` +
      ` ${l.withLastLine} children ended with their "stopped after N" line.`,
  );
  line(
    '  Each child numbers its lines from 1 (a line every 10 ms, one blocking write each to its stdout pipe); every exit that runs JavaScript ends with `demo-count stopped after N`.' +
      ' A child is owed lines 1..N (N from that last line, or the highest number seen for a SIGKILLed child, whose unwritten lines were never written); any of them missing from the log file is lost.',
  );
  line(`- **Processes left behind: ${report.leaked.length}** (every process of the run carries its BENCH_RUN_TAG tag; looked for after the supervisor stopped).`);
  const fp = report.footprint;
  if (fp?.rssMb !== undefined) {
    line(`- **Supervisor footprint** (sampled every ${SAMPLE_EVERY_MS / 1000} s, ${fp.samples.length} samples; start once the first child was healthy, end once the last fault was recovered):`);
    line();
    line('| | start | end | max | bound at the end | within |');
    line('|---|---|---|---|---|---|');
    line(`| RSS (MiB) | ${fp.rssMb.start} | ${fp.rssMb.end} | ${fp.rssMb.max} | ${RSS_FACTOR} × start + ${RSS_SLACK_MB} = ${fp.rssMb.bound} | ${fp.rssMb.ok ? 'yes' : '**no**'} |`);
    line(`| open FDs | ${fp.fds.start} | ${fp.fds.end} | ${fp.fds.max} | start + ${FD_SLACK} = ${fp.fds.bound} | ${fp.fds.ok ? 'yes' : '**no**'} |`);
    line();
    if (fp.rssMb.lowAfterFirstMinute !== undefined)
      line(`  RSS after the first minute: lowest ${fp.rssMb.lowAfterFirstMinute} MiB, ${fp.rssMb.end} MiB at the end (every sample is in the JSON report).`);
    line(`  FDs at the start: ${kinds(fp.fdKinds.start)}; at the end: ${kinds(fp.fdKinds.end)}.`);
  }
  line(
    `- **Circuit breaker**: ${report.breakerOpens.length === 0 ? 'never opened' : `opened ${report.breakerOpens.length} time(s)`}. Supervisor exit when stopped: ${report.supervisorExit?.signal ?? `code ${report.supervisorExit?.code}`}.`,
  );
  line();
  line('## Each fault');
  line();
  line('| # | at | fault | child → new child | recovered in | what the supervisor did |');
  line('|---|---|---|---|---|---|');
  report.faults.forEach((fault, index) => {
    const did = [...(fault.kind === 'storm' ? [stormNote(fault)] : []), ...fault.supervisor, ...(fault.settled ? [] : [`**(not settled within ${report.settleTimeoutMs / 1000} s)**`])].join('; ');
    line(
      `| ${index + 1} | ${fault.atS} s | ${fault.kind} | ${fault.pid} → ${fault.newPid ?? '–'} | ${fault.recoveredMs === undefined ? '**not recovered**' : ms(fault.recoveredMs)} | ${did || '–'} |`,
    );
  });
  line();
  line('## Verdict');
  line();
  if (report.problems.length === 0) line('Every fault recovered within its deadline; no line lost; no process left behind; the supervisor stayed within its bounds.');
  else for (const problem of report.problems) line(`- **${problem}**`);
  line();
  return out.join('\n');
}

/** Writes `<base>.json` and `<base>.md` in `dir`; returns the markdown, which is also the readable stdout report. */
export function writeSoakReport(dir, base, report) {
  mkdirSync(dir, { recursive: true });
  const text = markdown(report);
  writeFileSync(`${dir}/${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${dir}/${base}.md`, text);
  return text;
}
