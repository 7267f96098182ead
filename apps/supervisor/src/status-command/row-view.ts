import type { DiagnosticsSummary, RecoveryEntry } from './diagnostics-summary.js';
import { formatAgo, formatDuration } from './durations.js';
import { describeFailure } from './failure-text.js';
import type { StatusRow } from './status-row.js';
import { describeMetric, worstMetric } from './worst-metric.js';

/** How a word reads at a glance; the renderer maps it to a colour on a terminal. */
export type Tone = 'good' | 'warn' | 'bad' | 'muted';

/** A status word (the part that may be coloured) and what follows it (never coloured). */
export interface Word {
  readonly word: string;
  readonly tone: Tone;
  /** e.g. `: eventLoopLagMs 1840 ms ≥ 1000`; '' for none. */
  readonly tail: string;
}

/** One row as the table and the JSON show it: the same text in both. */
export interface RowView {
  readonly name: string;
  readonly pid: string;
  readonly childPid: string;
  readonly state: Word;
  readonly uptime: string;
  readonly restarts: string;
  readonly detail:
    | { readonly kind: 'columns'; readonly health: Word; readonly breaker: Word; readonly lastRecovery: RecoveryText }
    /** A supervisor that could not be read: one line on why, across the remaining columns. */
    | { readonly kind: 'note'; readonly note: string };
}

/** The last recovery in full, and shorter for a narrow column (`restart_service ok 12s ago`). */
export interface RecoveryText {
  readonly text: string;
  readonly short: string;
}

export const NONE = '-';

export function viewOf(row: StatusRow, now: number): RowView {
  const { name, pid } = row.supervisor;
  const base = { name, pid: String(pid) };
  switch (row.kind) {
    case 'running': {
      const { child, supervisor } = row.diagnostics;
      return {
        ...base,
        childPid: child.pid === null ? NONE : String(child.pid),
        state: stateWord(supervisor.stopping ? 'stopping' : child.state),
        uptime: child.uptimeMs === null ? NONE : formatDuration(child.uptimeMs),
        restarts: child.restarts === null ? NONE : String(child.restarts),
        detail: { kind: 'columns', health: healthWord(row.diagnostics, now), breaker: breakerWord(row.diagnostics, now), lastRecovery: lastRecoveryText(row.diagnostics, now) },
      };
    }
    case 'unreachable':
      return { ...base, ...unknownChild, state: { word: 'unknown', tone: 'warn', tail: '' }, detail: { kind: 'note', note: describeFailure(row.failure, row.supervisor) } };
    case 'no_status_server': {
      const up = row.supervisor.startedAt === null ? '' : ` (supervisor up ${formatDuration(now - row.supervisor.startedAt)})`;
      return {
        ...base,
        ...unknownChild,
        state: { word: 'unknown', tone: 'muted', tail: '' },
        detail: { kind: 'note', note: `status server disabled (http.enabled is false): nothing more to read${up}` },
      };
    }
    case 'gone': {
      const file = row.removed ? 'stale state file removed' : `could not remove the stale state file ${row.supervisor.stateFile}`;
      return { ...base, ...unknownChild, state: { word: 'gone', tone: 'bad', tail: '' }, detail: { kind: 'note', note: `pid ${pid} no longer runs; ${file}` } };
    }
  }
}

const unknownChild = { childPid: NONE, uptime: NONE, restarts: NONE } as const;

const STATE_TONES: Readonly<Record<string, Tone>> = {
  running: 'good',
  starting: 'warn',
  backoff: 'warn',
  stopping: 'warn',
  idle: 'muted',
  exited: 'bad',
  stopped: 'bad',
  failed: 'bad',
};

function stateWord(state: string): Word {
  return { word: state, tone: STATE_TONES[state] ?? 'warn', tail: '' };
}

/**
 * `healthy`, `critical: eventLoopLagMs 1840 ms ≥ 1000`, `down: killed by SIGKILL`: the
 * latest round's status with its worst metric, or why there is none to show.
 */
export function healthWord(diagnostics: DiagnosticsSummary, now: number): Word {
  const { child, health, supervisor, recovery } = diagnostics;
  if (recovery?.gaveUp === true) return { word: 'gave up', tone: 'bad', tail: ': the circuit breaker opened too often; the supervisor exits 75' };
  if (supervisor.stopping) return { word: 'stopping', tone: 'bad', tail: ': the supervisor is stopping' };
  // A child being stopped for a restart is shown with the round that condemned it.
  if (child.state !== 'running' && !(child.state === 'stopping' && health.latest !== null)) return { word: 'down', tone: 'bad', tail: downTail(diagnostics, now) };
  if (health.latest === null) return { word: 'starting', tone: 'warn', tail: ': no check has finished yet' };
  const worst = worstMetric(health.metrics);
  const tone: Tone = health.latest === 'healthy' ? 'good' : health.latest === 'unknown' ? 'muted' : health.latest === 'critical' ? 'bad' : 'warn';
  return { word: health.latest, tone, tail: worst === null ? '' : `: ${describeMetric(worst)}` };
}

function downTail({ child }: DiagnosticsSummary, now: number): string {
  const parts: string[] = [];
  if (child.lastExit !== null) parts.push(exitText(child.lastExit));
  if (child.state === 'backoff' && child.respawnAt !== null) parts.push(`respawn in ${formatDuration(child.respawnAt - now)}`);
  return parts.length === 0 ? '' : `: ${parts.join(', ')}`;
}

export function exitText(exit: NonNullable<DiagnosticsSummary['child']['lastExit']>): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
}

/** `closed`, `half_open`, `open (4m12s left)`, `open (for good)`. */
export function breakerWord({ breaker }: DiagnosticsSummary, now: number): Word {
  if (breaker === null) return { word: NONE, tone: 'muted', tail: '' };
  switch (breaker.state) {
    case 'closed':
      return { word: 'closed', tone: 'good', tail: '' };
    case 'half_open':
      return { word: 'half_open', tone: 'warn', tail: '' };
    case 'open':
      if (breaker.exhausted || breaker.until === null) return { word: 'open', tone: 'bad', tail: ' (for good)' };
      return { word: 'open', tone: 'bad', tail: ` (${formatDuration(breaker.until - now)} left)` };
    default:
      return { word: breaker.state, tone: 'warn', tail: '' };
  }
}

/**
 * The decision to show as "last recovery": the newest one that did (or would have done)
 * something to the child. A log_warning only wrote a line; it is shown when nothing
 * else was decided, so that a busy server's warnings do not hide the restart before them.
 */
export function lastRecovery(diagnostics: DiagnosticsSummary): RecoveryEntry | null {
  const events = diagnostics.recovery?.events ?? [];
  return events.findLast((event) => event.action !== 'log_warning') ?? events.at(-1) ?? null;
}

/**
 * `restart_service succeeded 12s ago`, `restart_service skipped (disabled) 3s ago`;
 * with the failure class, `restart_service (crashed) succeeded 12s ago`.
 */
export function recoveryText(event: RecoveryEntry, now: number, { withClass = false } = {}): string {
  const failure = withClass && event.failureClass !== null ? ` (${event.failureClass})` : '';
  const skip = event.skip === null ? '' : ` (${event.skip})`;
  return `${event.action}${failure} ${event.result}${skip} ${formatAgo(event.time, now)}`;
}

function lastRecoveryText(diagnostics: DiagnosticsSummary, now: number): RecoveryText {
  const event = lastRecovery(diagnostics);
  if (event !== null) {
    // Short: what was done and when survive; the common verdict shrinks, a skip's reason goes.
    const result = event.result === 'succeeded' ? 'ok' : event.result;
    return { text: recoveryText(event, now), short: `${event.action} ${result} ${formatAgo(event.time, now)}` };
  }
  const text = diagnostics.recovery?.busy === true ? 'under way' : diagnostics.recovery?.enabled === false ? 'disabled' : NONE;
  return { text, short: text };
}
