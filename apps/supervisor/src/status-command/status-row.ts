import { ExitCode } from '../exit-codes.js';
import type { FoundSupervisor } from '../state/lookup.js';
import { NotDiagnosticsError, summarizeDiagnostics, type DiagnosticsSummary } from './diagnostics-summary.js';
import type { FetchFailure, FetchOutcome } from './fetch-diagnostics.js';

/** What the state file says of a supervisor: all `status` knows before it asks. */
export interface SupervisorFacts {
  readonly name: string;
  readonly pid: number;
  readonly stateFile: string;
  /** Epoch ms; null when the state file does not say. */
  readonly startedAt: number | null;
  readonly version: string | null;
  readonly logFile: string | null;
  readonly command: readonly string[];
  /** Where its status server listens; null when disabled. */
  readonly statusUrl: string | null;
  readonly tokenRequired: boolean;
}

/**
 * Why a running supervisor could not be read: a fetch that failed, a state file with no
 * address to ask, or a status server off loopback that the token is not sent to.
 */
export type ReadFailure = FetchFailure | { readonly kind: 'no_address' } | { readonly kind: 'token_withheld'; readonly host: string };

/** One supervisor as `status` found it. */
export type StatusRow =
  /** Its status server answered /diagnostics. */
  | { readonly kind: 'running'; readonly supervisor: SupervisorFacts; readonly diagnostics: DiagnosticsSummary; readonly document: unknown }
  /** It runs, but its status server did not answer usefully. */
  | { readonly kind: 'unreachable'; readonly supervisor: SupervisorFacts; readonly failure: ReadFailure }
  /** It runs with http.enabled false: the state file is all there is to read. */
  | { readonly kind: 'no_status_server'; readonly supervisor: SupervisorFacts }
  /** Its state file names a process that no longer runs; `removed` says whether the file is gone now. */
  | { readonly kind: 'gone'; readonly supervisor: SupervisorFacts; readonly removed: boolean };

/** Only the path and the record are read: whatever else a caller has of the state file may come along. */
export function factsOf(found: Pick<FoundSupervisor, 'path' | 'record'> & Partial<FoundSupervisor>): SupervisorFacts {
  const { record } = found;
  const startedAt = typeof record.startedAt === 'string' ? Date.parse(record.startedAt) : Number.NaN;
  const http = record.http !== null && typeof record.http === 'object' ? record.http : null;
  return {
    name: record.name,
    pid: record.pid,
    stateFile: found.path,
    startedAt: Number.isNaN(startedAt) ? null : startedAt,
    version: typeof record.version === 'string' ? record.version : null,
    logFile: typeof record.logFile === 'string' ? record.logFile : null,
    command: Array.isArray(record.command) ? record.command.filter((part): part is string => typeof part === 'string') : [],
    statusUrl: typeof http?.url === 'string' ? http.url : null,
    tokenRequired: http?.tokenRequired === true,
  };
}

/** The row for a supervisor whose status server was asked. */
export function rowFromFetch(supervisor: SupervisorFacts, outcome: FetchOutcome): StatusRow {
  if (outcome.kind !== 'ok') return { kind: 'unreachable', supervisor, failure: outcome };
  try {
    return { kind: 'running', supervisor, diagnostics: summarizeDiagnostics(outcome.document), document: outcome.document };
  } catch (error) {
    if (!(error instanceof NotDiagnosticsError)) throw error;
    return { kind: 'unreachable', supervisor, failure: { kind: 'bad_answer', reason: error.message } };
  }
}

/**
 * `status`'s exit code, as LSB `status` and `pm2 status` mean theirs: 0 when a
 * supervisor runs, whatever its child's health; 3 when none does (stale files only, or
 * nothing at all); 1 when some run but not one could be read (every status server
 * failed to answer), because then the command could not tell how anything is.
 */
export function exitCodeOf(rows: readonly StatusRow[]): ExitCode {
  if (rows.some((row) => row.kind === 'running' || row.kind === 'no_status_server')) return ExitCode.ok;
  if (rows.some((row) => row.kind === 'unreachable')) return ExitCode.internalError;
  return ExitCode.notRunning;
}
