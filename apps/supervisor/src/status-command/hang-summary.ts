import type { HangReport } from '@mpm/recovery';
import { describeHangReport, hangHeadline } from '../forensics/hang-text.js';

type Fields = Readonly<Record<string, unknown>>;

/**
 * A recovery event's `hangReport` from /diagnostics in one line (`blocked in blockForever
 * (file:///…/faults.js:30:5)`, the top frame only; for /proc, why and what it said), or null when there is none or it cannot be read: the
 * document comes from another process, perhaps of another version, so nothing in it is
 * trusted to have its type.
 */
export function hangSummaryOf(value: unknown): string | null {
  const report = fieldsOf(value);
  if (report === null) return null;
  const tookMs = 0;
  switch (report['kind']) {
    case 'stack': {
      const frames = Array.isArray(report['frames']) ? report['frames'] : [];
      const top = fieldsOf(frames[0]);
      const line = top?.['line'];
      if (top === null || typeof line !== 'number') return null;
      const frame = { functionName: textOf(top['functionName']) ?? '', url: textOf(top['url']) ?? '', line, column: typeof top['column'] === 'number' ? top['column'] : 1 };
      return hangHeadline({ kind: 'stack', frames: [frame], depth: 1, tookMs });
    }
    case 'proc': {
      const state = textOf(report['state']);
      if (state === null) return null;
      const proc: HangReport = { kind: 'proc', state, wchan: textOf(report['wchan']), syscall: textOf(report['syscall']), why: textOf(report['why']) ?? '', tookMs };
      return proc.why === '' ? hangHeadline(proc) : describeHangReport(proc);
    }
    case 'unavailable':
      return hangHeadline({ kind: 'unavailable', reason: textOf(report['reason']) ?? 'no reason given', tookMs });
    default:
      return null;
  }
}

function fieldsOf(value: unknown): Fields | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : null;
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
