import type { HangReport, StackFrame } from '@mpm/recovery';

/** `blockForever (file:///srv/app/dist/faults.js:30:5)`; `<anonymous>` for a nameless function. */
export function frameText(frame: StackFrame): string {
  const name = frame.functionName === '' ? '<anonymous>' : frame.functionName;
  const where = frame.url === '' ? `line ${frame.line}:${frame.column}` : `${frame.url}:${frame.line}:${frame.column}`;
  return `${name} (${where})`;
}

/** What /proc said, in one clause: `S (sleeping), wchan do_epoll_wait, syscall epoll_pwait (281)`. */
function procText(report: Extract<HangReport, { kind: 'proc' }>): string {
  const wchan = report.wchan === null ? 'no wchan' : `wchan ${report.wchan}`;
  const syscall = report.syscall === null ? 'syscall unreadable' : `syscall ${report.syscall}`;
  return `${report.state}, ${wchan}, ${syscall}`;
}

/**
 * The first thing to know: where a stack is blocked, or what /proc says, or why there is
 * nothing. For the dashboard's timeline title and `status`.
 */
export function hangHeadline(report: HangReport): string {
  switch (report.kind) {
    case 'stack':
      return report.frames[0] === undefined ? 'an empty stack' : `blocked in ${frameText(report.frames[0])}`;
    case 'proc':
      return procText(report);
    case 'unavailable':
      return `no hang report: ${report.reason}`;
  }
}

/** The whole report in one line, innermost frame first, for the log. */
export function describeHangReport(report: HangReport): string {
  switch (report.kind) {
    case 'stack': {
      const callers = report.frames.slice(1).map(frameText);
      const more = report.depth > report.frames.length ? [`${report.depth - report.frames.length} more`] : [];
      return [hangHeadline(report), ...callers, ...more].join(' ← ');
    }
    case 'proc':
      return `${report.why}; /proc: ${procText(report)}`;
    case 'unavailable':
      return hangHeadline(report);
  }
}
