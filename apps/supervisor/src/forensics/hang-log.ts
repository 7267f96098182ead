import type winston from 'winston';
import type { HangForensics, HangReportRecord } from './hang-forensics.js';
import { describeHangReport } from './hang-text.js';

/** The fields of a `hang_report` record besides the common ones: the report as data. */
export function hangReportFields({ report, childPid, generation }: HangReportRecord): Record<string, unknown> {
  const common = { event: 'hang_report', kind: report.kind, childPid, generation, tookMs: report.tookMs };
  switch (report.kind) {
    case 'stack':
      return { ...common, frames: report.frames, depth: report.depth };
    case 'proc':
      return { ...common, proc: { state: report.state, wchan: report.wchan, syscall: report.syscall }, why: report.why };
    case 'unavailable':
      return { ...common, reason: report.reason };
  }
}

/**
 * One `hang_report` record per report, before the kill's own lines: `hang report for
 * child 4242: blocked in blockForever (file:///srv/app/faults.js:30:5) ← …`. At warn, as
 * the decision that asked for it. The inspector's URL is never in it.
 */
export function logHangReports(forensics: HangForensics, logger: winston.Logger): () => void {
  const onReport = (record: HangReportRecord): void => {
    logger.warn(`hang report for child ${record.childPid}: ${describeHangReport(record.report)} (took ${record.report.tookMs} ms)`, hangReportFields(record));
  };
  forensics.on('report', onReport);
  return () => forensics.off('report', onReport);
}
