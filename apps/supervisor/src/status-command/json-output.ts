import { describeFailure } from './failure-text.js';
import { lastRecovery, viewOf, type Word } from './row-view.js';
import type { StatusRow } from './status-row.js';
import { worstMetric } from './worst-metric.js';

/**
 * One supervisor for `status --json`: what its table row shows (the same words), the
 * facts behind them, and the whole /diagnostics document, or the error that stood in
 * its way. `status` says which of the four cases it is.
 */
export function jsonOf(row: StatusRow, now: number): Record<string, unknown> {
  const view = viewOf(row, now);
  const { supervisor } = row;
  const common = {
    name: supervisor.name,
    status: row.kind,
    pid: supervisor.pid,
    stateFile: supervisor.stateFile,
    statusUrl: supervisor.statusUrl,
    startedAt: supervisor.startedAt === null ? null : new Date(supervisor.startedAt).toISOString(),
    logFile: supervisor.logFile,
    state: view.state.word,
  };
  switch (row.kind) {
    case 'running': {
      const { child, health } = row.diagnostics;
      const columns = view.detail.kind === 'columns' ? view.detail : undefined;
      const worst = worstMetric(health.metrics);
      const event = lastRecovery(row.diagnostics);
      return {
        ...common,
        child: { pid: child.pid, state: child.state, uptimeSeconds: child.uptimeMs === null ? null : Math.round(child.uptimeMs / 1000), uptime: view.uptime, restarts: child.restarts },
        health: {
          status: columns?.health.word ?? null,
          text: columns === undefined ? null : text(columns.health),
          worst: worst === null ? null : { name: worst.name, value: worst.value, unit: worst.unit, status: worst.status, message: worst.message },
        },
        breaker: { state: row.diagnostics.breaker?.state ?? null, text: columns === undefined ? null : text(columns.breaker) },
        lastRecovery:
          event === null
            ? null
            : {
                action: event.action,
                result: event.result,
                skip: event.skip,
                failureClass: event.failureClass,
                time: new Date(event.time).toISOString(),
                text: columns?.lastRecovery.text ?? null,
                hangReport: event.hang,
              },
        diagnostics: row.document,
      };
    }
    case 'unreachable':
      return { ...common, error: { kind: row.failure.kind, message: describeFailure(row.failure, supervisor) } };
    case 'no_status_server':
      return { ...common, note: view.detail.kind === 'note' ? view.detail.note : null };
    case 'gone':
      return { ...common, removed: row.removed, note: view.detail.kind === 'note' ? view.detail.note : null };
  }
}

function text(word: Word): string {
  return word.word + word.tail;
}
