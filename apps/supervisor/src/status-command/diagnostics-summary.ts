import { hangSummaryOf } from './hang-summary.js';

/**
 * The part of a supervisor's /diagnostics document that `status` shows, read defensively:
 * the document comes from another process, perhaps of another version, so every field
 * is checked and a missing one becomes null rather than a crash.
 */

export type MetricLevel = 'healthy' | 'warning' | 'critical' | 'starting' | 'unknown';

export interface MetricReading {
  readonly name: string;
  readonly value: number | string | null;
  readonly unit: string;
  readonly status: MetricLevel;
  readonly thresholds: { readonly warning: number; readonly critical: number } | null;
  readonly message: string;
}

export interface RecoveryEntry {
  readonly id: number;
  /** Epoch ms of the decision. */
  readonly time: number;
  readonly action: string;
  readonly failureClass: string | null;
  readonly result: string;
  readonly skip: string | null;
  readonly detail: string | null;
  /** Where a hung child was stuck when it was killed, in one line; null without a hang report. */
  readonly hang: string | null;
}

export interface DiagnosticsSummary {
  readonly version: string | null;
  readonly supervisor: {
    readonly pid: number | null;
    /** Epoch ms. */
    readonly startedAt: number | null;
    readonly stopping: boolean;
    readonly logFile: string | null;
  };
  readonly child: {
    readonly pid: number | null;
    readonly state: string;
    readonly uptimeMs: number | null;
    readonly restarts: number | null;
    readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly at: number | null; readonly uptimeMs: number | null } | null;
    readonly respawnAt: number | null;
  };
  readonly health: {
    /** /health's verdict: pass, warn, fail. */
    readonly verdict: string | null;
    /** Why the verdict is not pass, one line. */
    readonly output: string | null;
    /** The latest round's worst status, for the current child; null before its first round. */
    readonly latest: MetricLevel | null;
    readonly readiness: string | null;
    readonly metrics: readonly MetricReading[];
  };
  readonly breaker: {
    readonly state: string;
    readonly since: number | null;
    readonly until: number | null;
    readonly reason: string | null;
    readonly recentFailures: number | null;
    readonly failureThreshold: number | null;
    readonly exhausted: boolean;
  } | null;
  readonly recovery: {
    readonly enabled: boolean;
    readonly gaveUp: boolean;
    readonly busy: boolean;
    readonly decisions: number | null;
    /** Oldest first, as /events keeps them. */
    readonly events: readonly RecoveryEntry[];
  } | null;
}

/** Thrown when the answer is JSON but no /diagnostics document. */
export class NotDiagnosticsError extends Error {
  override readonly name = 'NotDiagnosticsError';
}

type Fields = Readonly<Record<string, unknown>>;

const LEVELS: ReadonlySet<string> = new Set<MetricLevel>(['healthy', 'warning', 'critical', 'starting', 'unknown']);

export function summarizeDiagnostics(document: unknown): DiagnosticsSummary {
  const root = fields(document);
  const child = fields(root?.['child']);
  const supervisor = fields(root?.['supervisor']);
  if (root === null || child === null || supervisor === null) throw new NotDiagnosticsError('the answer has no child and supervisor sections: not a /diagnostics document');
  const health = fields(root['health']);
  const latest = fields(health?.['latest']);
  const lastExit = fields(child['lastExit']);
  const versions = fields(root['versions']);
  return {
    version: text(versions?.['mpmSupervise']),
    supervisor: { pid: number(supervisor['pid']), startedAt: time(supervisor['startedAt']), stopping: supervisor['stopping'] === true, logFile: text(supervisor['logFile']) },
    child: {
      pid: number(child['pid']),
      state: text(child['state']) ?? 'unknown',
      uptimeMs: secondsToMs(child['uptimeSeconds']),
      restarts: number(child['restarts']),
      lastExit: lastExit === null ? null : { code: number(lastExit['code']), signal: text(lastExit['signal']), at: time(lastExit['time']), uptimeMs: secondsToMs(lastExit['uptimeSeconds']) },
      respawnAt: time(child['respawnAt']),
    },
    health: {
      verdict: text(health?.['status']),
      output: text(health?.['output']),
      latest: level(latest?.['status']),
      readiness: text(latest?.['readiness']),
      metrics: list(latest?.['metrics']).flatMap((entry) => {
        const metric = metricOf(entry);
        return metric === null ? [] : [metric];
      }),
    },
    breaker: breakerOf(fields(root['breaker'])),
    recovery: recoveryOf(fields(root['recovery'])),
  };
}

function breakerOf(breaker: Fields | null): DiagnosticsSummary['breaker'] {
  const state = text(breaker?.['state']);
  if (breaker === null || state === null) return null;
  return {
    state,
    since: time(breaker['since']),
    until: time(breaker['until']),
    reason: text(breaker['reason']),
    recentFailures: number(breaker['recentFailures']),
    failureThreshold: number(breaker['failureThreshold']),
    exhausted: breaker['exhausted'] === true,
  };
}

function recoveryOf(recovery: Fields | null): DiagnosticsSummary['recovery'] {
  if (recovery === null) return null;
  const events = list(recovery['recentEvents']).flatMap((entry) => {
    const event = fields(entry);
    const id = number(event?.['id']);
    const at = time(event?.['time']);
    const action = text(event?.['action']);
    const result = text(event?.['result']);
    if (event === null || id === null || at === null || action === null || result === null) return [];
    return [{ id, time: at, action, result, failureClass: text(event['failureClass']), skip: text(event['skip']), detail: text(event['detail']), hang: hangSummaryOf(event['hangReport']) }];
  });
  return { enabled: recovery['enabled'] !== false, gaveUp: recovery['gaveUp'] === true, busy: recovery['busy'] === true, decisions: number(recovery['decisions']), events };
}

function metricOf(entry: unknown): MetricReading | null {
  const metric = fields(entry);
  const name = text(metric?.['name']);
  const status = level(metric?.['status']);
  if (metric === null || name === null || status === null) return null;
  const raw = metric['value'];
  const value = typeof raw === 'number' || typeof raw === 'string' ? raw : null;
  const pair = fields(metric['thresholds']);
  const warning = number(pair?.['warning']);
  const critical = number(pair?.['critical']);
  return {
    name,
    value,
    unit: text(metric['unit']) ?? '',
    status,
    thresholds: warning === null || critical === null ? null : { warning, critical },
    message: text(metric['message']) ?? name,
  };
}

function fields(value: unknown): Fields | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : null;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function number(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function level(value: unknown): MetricLevel | null {
  return typeof value === 'string' && LEVELS.has(value) ? (value as MetricLevel) : null;
}

function time(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function secondsToMs(value: unknown): number | null {
  const seconds = number(value);
  return seconds === null ? null : seconds * 1000;
}
