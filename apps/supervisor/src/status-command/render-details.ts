import { visible } from '../visible-text.js';
import type { DiagnosticsSummary } from './diagnostics-summary.js';
import { formatAgo, formatDuration, formatIn } from './durations.js';
import { exitText, lastRecovery, recoveryText } from './row-view.js';
import type { StatusRow, SupervisorFacts } from './status-row.js';
import { causesWorstFirst, describeMetric } from './worst-metric.js';

/** How many unhealthy metrics the detail lines name; the rest are counted. */
const MAX_CHECKS = 4;

/**
 * The lines under the table when it shows one supervisor: where to look next (status
 * URL, state file, log file) and the whole of what the row had to cut. Nothing for a
 * supervisor that is gone: its row says all there is.
 */
export function renderDetails(row: StatusRow, now: number): string[] {
  if (row.kind === 'gone') return [];
  const lines: Array<[string, string]> = [...whereLines(row.supervisor, now, row.kind === 'running' ? row.diagnostics : null)];
  if (row.kind === 'running') lines.push(...diagnosticLines(row.diagnostics, now));
  const width = Math.max(...lines.map(([label]) => label.length));
  // Command line, exit, check messages, reasons: shown with their control characters as escapes.
  return lines.map(([label, text]) => `  ${label.padEnd(width)}  ${visible(text)}`);
}

function whereLines(supervisor: SupervisorFacts, now: number, diagnostics: DiagnosticsSummary | null): Array<[string, string]> {
  const startedAt = diagnostics?.supervisor.startedAt ?? supervisor.startedAt;
  const version = diagnostics?.version ?? supervisor.version;
  const about = [`pid ${supervisor.pid}`, startedAt === null ? null : `up ${formatDuration(now - startedAt)}`, version === null ? null : `mpm-supervise ${version}`];
  const logFile = diagnostics?.supervisor.logFile ?? supervisor.logFile;
  return [
    ['supervisor', about.filter((part) => part !== null).join(', ')],
    ['status server', supervisor.statusUrl === null ? 'disabled' : `${supervisor.statusUrl}${supervisor.tokenRequired ? ' (bearer token required)' : ''}`],
    ['state file', supervisor.stateFile],
    ['log file', logFile ?? 'none (the supervisor logs to its stdout)'],
    ...(supervisor.command.length === 0 ? [] : [['command', supervisor.command.join(' ')] as [string, string]]),
  ];
}

function diagnosticLines(diagnostics: DiagnosticsSummary, now: number): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  const { child, health, breaker, recovery } = diagnostics;
  if (child.lastExit !== null) {
    const when = child.lastExit.at === null ? '' : `, ${formatAgo(child.lastExit.at, now)}`;
    const after = child.lastExit.uptimeMs === null ? '' : `, after ${formatDuration(child.lastExit.uptimeMs)} up`;
    lines.push(['last exit', `${exitText(child.lastExit)}${when}${after}`]);
  }
  // /health's verdict with its reason; a plain pass says nothing the table does not.
  if (health.verdict !== null && health.output !== null) lines.push(['health', `${health.verdict}: ${health.output}`]);
  const causes = causesWorstFirst(health.metrics);
  if (causes.length > 0) {
    const shown = causes.slice(0, MAX_CHECKS).map((metric) => `${metric.status}: ${describeMetric(metric)}`);
    const more = causes.length > MAX_CHECKS ? `; and ${causes.length - MAX_CHECKS} more` : '';
    lines.push(['checks', shown.join('; ') + more]);
  }
  if (breaker !== null) {
    const counted =
      breaker.state === 'closed' && breaker.recentFailures !== null && breaker.failureThreshold !== null ? `, ${breaker.recentFailures} of ${breaker.failureThreshold} failures counted` : '';
    const holds = breaker.state !== 'open' ? '' : breaker.exhausted || breaker.until === null ? ', for good' : `, half-opens ${formatIn(breaker.until, now)}`;
    const moved = breaker.since === null ? '' : `; moved ${formatAgo(breaker.since, now)}${breaker.reason === null ? '' : `: ${breaker.reason}`}`;
    lines.push(['breaker', `${breaker.state}${counted}${holds}${moved}`]);
  }
  if (recovery !== null) {
    const event = lastRecovery(diagnostics);
    const decisions = recovery.decisions ?? recovery.events.length;
    const last = event === null ? '' : `; last: ${recoveryText(event, now, { withClass: true })}${event.detail === null ? '' : `: ${event.detail}`}`;
    const busy = recovery.busy ? '; an action is under way' : '';
    lines.push(['recovery', `${recovery.enabled ? 'on' : 'off (--no-recovery)'}, ${decisions} decision${decisions === 1 ? '' : 's'}${last}${busy}`]);
    if (event?.hang !== null && event?.hang !== undefined) lines.push(['hang report', event.hang]);
  }
  return lines;
}
