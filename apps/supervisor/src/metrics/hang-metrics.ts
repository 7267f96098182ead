import { HANG_REPORT_KINDS } from '@mpm/recovery';
import { Counter, type Registry } from 'prom-client';
import type { HangForensics, HangReportRecord } from '../forensics/hang-forensics.js';

export const HANG_REPORTS_TOTAL = 'mpm_hang_reports_total';

/**
 * Hang reports taken before a hung child was killed, by kind: `stack` (the inspector
 * answered), `proc` (not Node, or the inspector did not), `unavailable`. Every kind is
 * there from the start at 0, so that an alert on a rise of `proc` has a series to watch.
 */
export function registerHangReportMetrics(registry: Registry, forensics: HangForensics): () => void {
  const reports = new Counter({
    name: HANG_REPORTS_TOTAL,
    help: 'Hang reports taken before a hung child was killed, by kind (stack, proc, unavailable)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  for (const kind of HANG_REPORT_KINDS) reports.inc({ kind }, 0);
  const onReport = ({ report }: HangReportRecord): void => reports.inc({ kind: report.kind });
  forensics.on('report', onReport);
  return () => forensics.off('report', onReport);
}
