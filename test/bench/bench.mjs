#!/usr/bin/env node
// `pnpm bench [--quick] [--only id,id [--merge]]`: every measurement, side by side in one
// run on this machine, written to results/latest.{md,json} (results/quick.* with --quick,
// which CI runs so that the harness cannot rot: fewer, shorter runs, checked but never
// timed; results/partial.* with --only, which --merge also puts into latest.*, in place of
// the same measurements and marked as run on their own).
// Exits 1 when a figure could not be measured, a line was lost or a process was left behind.
import { parseArgs } from 'node:util';
import { machine } from './lib/machine.mjs';
import { paths } from './lib/paths.mjs';
import { mergeReport, writeReport } from './lib/results.mjs';
import { runTag } from './lib/run-tag.mjs';
import { loadMeasure, MEASURE_IDS } from './measures/index.mjs';

let options;
try {
  ({ values: options } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, merge: { type: 'boolean', default: false } } }));
  if (options.merge && (options.only === undefined || options.quick)) throw new Error('--merge goes with --only, and not with --quick');
} catch (error) {
  process.stderr.write(`bench: ${error.message}\nusage: pnpm bench [--quick] [--only ${MEASURE_IDS.join(',')} [--merge]]\n`);
  process.exit(64);
}
const only = options.only?.split(',').map((id) => id.trim());
const unknown = only?.filter((id) => !MEASURE_IDS.includes(id)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown measurement ${unknown.join(', ')}; choose from ${MEASURE_IDS.join(', ')}\n`);
  process.exit(64);
}

const tag = runTag();
const ctx = {
  quick: options.quick,
  /** Every process the run starts inherits this environment, and with it the run's tag. */
  env: { ...process.env, ...tag.env },
  log: (line) => process.stdout.write(`  ${line}\n`),
};

// Ctrl-C: leave nothing behind.
process.once('SIGINT', () => {
  tag.killLeft();
  process.exit(130);
});

const started = performance.now();
const report = { quick: options.quick, startedAt: new Date().toISOString(), machine: machine(), measures: [] };
for (const id of MEASURE_IDS.filter((name) => only === undefined || only.includes(name))) {
  const measure = await loadMeasure(id);
  process.stdout.write(`${measure.title}\n`);
  const t0 = performance.now();
  const entry = { id: measure.id, title: measure.title, figures: [], ratios: [], targets: [], notes: [], problems: [] };
  try {
    Object.assign(entry, await measure.run(ctx));
  } catch (error) {
    entry.problems.push(`failed: ${error.message.split('\n')[0]}`);
  }
  const left = await tag.sweep();
  if (left.length > 0) entry.problems.push(`${left.length} process(es) left behind: ${left.map((p) => `${p.pid} ${p.command}`).join(', ')}`);
  for (const figure of entry.figures) {
    if (figure.values.length === 0 && figure.outcome === undefined) entry.problems.push(`${figure.subject} ${figure.label}: not measured`);
  }
  if (entry.linesLost > 0) entry.problems.push(`${entry.linesLost} line(s) lost`);
  entry.seconds = (performance.now() - t0) / 1000;
  report.measures.push(entry);
  for (const problem of entry.problems) process.stdout.write(`  PROBLEM: ${problem}\n`);
  process.stdout.write(`  (${entry.seconds.toFixed(0)} s)\n`);
}
report.finishedAt = new Date().toISOString();
report.seconds = (performance.now() - started) / 1000;
const base = options.quick ? 'quick' : only === undefined ? 'latest' : 'partial';
writeReport(paths.results, base, report);
const problems = report.measures.flatMap((measure) => measure.problems.map((problem) => `${measure.title}: ${problem}`));
process.stdout.write(`\nwrote test/bench/results/${base}.md and ${base}.json in ${report.seconds.toFixed(0)} s\n`);
if (options.merge) {
  // A figure that could not be measured is not merged over one that was.
  if (problems.length > 0) problems.push('not merged into latest.*: this run had problems');
  else {
    mergeReport(paths.results, 'latest', report, { command: `pnpm bench --only ${only.join(',')} --merge`, order: MEASURE_IDS });
    process.stdout.write(`merged ${only.join(', ')} into test/bench/results/latest.md and latest.json\n`);
  }
}
if (problems.length > 0) {
  process.stdout.write(`bench: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('bench: every measurement ran; no line lost, no process left behind\n');
