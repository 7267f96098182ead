// latest.json (every value) and latest.md (the table a reader wants) from one run, and
// measurements run on their own merged into them, each marked with how and when it ran.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { summary } from './stats.mjs';

const round = (value) => (Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3)));

/** A figure's median (min–max) in its unit, or its outcome when it has no values. */
export function describe(values, unit, outcome) {
  const s = summary(values);
  if (s === undefined) return outcome ?? 'not measured';
  const range = s.n > 1 ? ` (${round(s.min)}–${round(s.max)})` : '';
  return `${round(s.median)}${unit === '×' ? '×' : ` ${unit}`}${range}`;
}

function markdown(report) {
  const lines = [];
  const m = report.machine;
  lines.push(`# mpm-supervise benchmarks${report.quick ? ' (quick: fewer and shorter runs, not for comparison)' : ''}`);
  lines.push('');
  const separate = report.measures.filter((measure) => measure.separately !== undefined);
  const together = separate.length === 0 ? 'everything' : 'everything not marked †';
  lines.push(`Measured ${report.finishedAt.slice(0, 10)} with \`pnpm bench${report.quick ? ' --quick' : ''}\` in ${Math.round(report.seconds / 60)} min, ${together} side by side in one run:`);
  lines.push(`${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, mpm-supervise ${m.mpmSupervise}, PM2 ${m.pm2}.`);
  lines.push('Each cell is the median over the runs, with (min–max); ratios are taken run by run, then summarised.');
  if (separate.length > 0) {
    lines.push('');
    lines.push('† Measured on its own after that run and merged in:');
    for (const { title, separately: s } of separate) {
      const sameMachine = ['cpu', 'cores', 'memoryGiB', 'kernel'].every((key) => s.machine[key] === m[key]);
      const where = sameMachine ? 'the same CPU, cores, memory and kernel' : `${s.machine.cores} × ${s.machine.cpu}, ${s.machine.memoryGiB} GiB, Linux ${s.machine.kernel}`;
      lines.push(
        `${title}: \`${s.command}\` on ${s.finishedAt.slice(0, 10)} in ${Math.round(s.seconds)} s, ${where}, Node ${s.machine.node}, mpm-supervise ${s.machine.mpmSupervise}, load average at its start ${s.machine.loadAverageAtStart.join(' ')}.`,
      );
    }
  }
  lines.push('');
  lines.push('| measurement | subject | result | runs |');
  lines.push('|---|---|---|---|');
  for (const measure of report.measures) {
    let first = true;
    for (const figure of measure.figures) {
      const s = summary(figure.values);
      lines.push(
        `| ${first ? `${measure.title}${measure.separately === undefined ? '' : ' †'}` : ''} | ${figure.subject} | ${figure.label}: ${describe(figure.values, figure.unit, figure.outcome)} | ${s?.n ?? 0} |`,
      );
      first = false;
    }
    for (const ratio of measure.ratios) {
      const s = summary(ratio.values);
      lines.push(`| | ratio | ${ratio.label}: **${describe(ratio.values, '×', ratio.outcome)}** | ${s?.n ?? 0} |`);
    }
  }
  lines.push('');
  const targets = report.measures.flatMap((measure) => measure.targets.map((target) => ({ measure: measure.title, ...target })));
  if (targets.length > 0) {
    lines.push('## Targets');
    lines.push('');
    lines.push('Reported, never asserted: a target not met does not fail the run.');
    lines.push('');
    lines.push('| measurement | target | issue | measured | met |');
    lines.push('|---|---|---|---|---|');
    for (const target of targets) lines.push(`| ${target.measure} | ${target.target} | ${target.issue ?? 8} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  const notes = report.measures.filter((measure) => measure.notes.length > 0);
  if (notes.length > 0) {
    lines.push('## Notes');
    lines.push('');
    for (const measure of notes) for (const note of measure.notes) lines.push(`- **${measure.title}**: ${note}`);
    lines.push('');
  }
  lines.push('## Checks');
  lines.push('');
  for (const measure of report.measures) {
    lines.push(`- ${measure.title}: ${measure.problems.length === 0 ? 'every figure measured, no line lost, no process left behind' : measure.problems.join('; ')}`);
  }
  lines.push('');
  return lines.join('\n');
}

export function writeReport(dir, base, report) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${dir}/${base}.md`, markdown(report));
}

/**
 * Puts the measurements of `report` (a run with --only) into `base`.json and .md in place
 * of the same ones, in `order`, each marked with how and when it ran; the rest of `base`
 * and its header stay as they were.
 */
export function mergeReport(dir, base, report, { command, order }) {
  const file = `${dir}/${base}.json`;
  if (!existsSync(file)) throw new Error(`no ${base}.json to merge into: run the whole \`pnpm bench\` first`);
  const into = JSON.parse(readFileSync(file, 'utf8'));
  const separately = { command, finishedAt: report.finishedAt, seconds: report.seconds, machine: report.machine };
  const byId = new Map(into.measures.map((measure) => [measure.id, measure]));
  for (const measure of report.measures) byId.set(measure.id, { ...measure, separately });
  into.measures = order.filter((id) => byId.has(id)).map((id) => byId.get(id));
  writeReport(dir, base, into);
}
