import { describe, expect, it } from '@jest/globals';
import type { HangReport } from '@mpm/recovery';
import { Registry } from 'prom-client';
import { HangForensics } from '../src/forensics/hang-forensics.js';
import type { TakeReportOptions } from '../src/forensics/take-report.js';
import { registerHangReportMetrics } from '../src/metrics/hang-metrics.js';
import { recordHangReports, Timeline } from '../src/status/timeline.js';

const NOW = Date.parse('2026-12-06T15:15:49.831Z');
const APP = 'file:///srv/app/dist/faults.js';
const STACK: HangReport = { kind: 'stack', frames: [{ functionName: 'blockForever', url: APP, line: 35, column: 5 }], depth: 5, tookMs: 154 };
const PROC: HangReport = { kind: 'proc', state: 'S (sleeping)', wchan: 'hrtimer_nanosleep', syscall: 'clock_nanosleep (230)', why: 'not a Node process (/usr/bin/python3.11)', tookMs: 1 };

/** Forensics whose reports are `reports`, one per call, with the settings `settings` holds at the time. */
function forensicsOf(reports: HangReport[], settings = { enabled: true, timeoutMs: 1000 }) {
  const asked: Array<[number, TakeReportOptions]> = [];
  const forensics = new HangForensics(
    () => settings,
    (pid, options) => {
      asked.push([pid, options]);
      return Promise.resolve(reports.shift()!);
    },
  );
  return { forensics, asked, settings };
}

describe('HangForensics', () => {
  it('takes a report with the settings in force at that moment, and tells listeners', async () => {
    const { forensics, asked, settings } = forensicsOf([STACK, PROC]);
    const heard: unknown[] = [];
    forensics.on('report', (record) => heard.push(record));
    expect(await forensics.take(4242, 1)).toBe(STACK);
    settings.timeoutMs = 250;
    expect(await forensics.take(4343, 2)).toBe(PROC);
    expect(asked).toEqual([
      [4242, { timeoutMs: 1000 }],
      [4343, { timeoutMs: 250 }],
    ]);
    expect(heard).toEqual([
      { report: STACK, childPid: 4242, generation: 1 },
      { report: PROC, childPid: 4343, generation: 2 },
    ]);
  });

  it('takes none while recovery.forensics.enabled is false', async () => {
    const { forensics, asked } = forensicsOf([STACK], { enabled: false, timeoutMs: 1000 });
    const heard: unknown[] = [];
    forensics.on('report', (record) => heard.push(record));
    expect(await forensics.take(4242, 1)).toBeUndefined();
    expect([asked, heard]).toEqual([[], []]);
  });

  it('puts each report on the dashboard timeline: where it was stuck, then the rest', async () => {
    const { forensics } = forensicsOf([STACK, PROC]);
    const timeline = new Timeline(10, () => NOW);
    const stop = recordHangReports(timeline, forensics);
    await forensics.take(4242, 1);
    await forensics.take(4343, 2);
    stop();
    expect(forensics.listenerCount('report')).toBe(0);
    expect(timeline.entries().map(({ kind, level, title, detail }) => ({ kind, level, title, detail }))).toEqual([
      { kind: 'hang_report', level: 'warning', title: `hang report for child 4242: blocked in blockForever (${APP}:35:5)`, detail: `blocked in blockForever (${APP}:35:5) ← 4 more; took 154 ms` },
      {
        kind: 'hang_report',
        level: 'warning',
        title: 'hang report for child 4343: S (sleeping), wchan hrtimer_nanosleep, syscall clock_nanosleep (230)',
        detail: 'not a Node process (/usr/bin/python3.11); /proc: S (sleeping), wchan hrtimer_nanosleep, syscall clock_nanosleep (230); took 1 ms',
      },
    ]);
  });

  it('counts reports by kind in mpm_hang_reports_total, every kind from 0', async () => {
    const { forensics } = forensicsOf([STACK, STACK, PROC]);
    const registry = new Registry();
    registerHangReportMetrics(registry, forensics);
    expect(await registry.getSingleMetricAsString('mpm_hang_reports_total')).toMatch(/mpm_hang_reports_total\{kind="unavailable"\} 0/);
    for (let i = 0; i < 3; i += 1) await forensics.take(4242, 1);
    const text = await registry.getSingleMetricAsString('mpm_hang_reports_total');
    expect(text).toMatch(/^mpm_hang_reports_total\{kind="stack"\} 2$/m);
    expect(text).toMatch(/^mpm_hang_reports_total\{kind="proc"\} 1$/m);
    expect(text).toMatch(/^mpm_hang_reports_total\{kind="unavailable"\} 0$/m);
  });
});
