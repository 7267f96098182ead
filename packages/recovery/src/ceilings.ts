import type { RecoveryAction } from './actions.js';

/**
 * How far each thresholded metric may escalate (docs/design.md §4): load is never "fixed" by
 * killing a busy server, so CPU and clients stop at clear_connections; leaks and lag
 * stop at a graceful restart. Liveness failures (gone, stopped, port closed, probe or
 * IPC timeout) are not here: they may go up to emergency_stop.
 */
export const METRIC_CEILINGS: Readonly<Record<string, RecoveryAction>> = Object.freeze({
  cpuPercent: 'clear_connections',
  clients: 'clear_connections',
  memoryMb: 'restart_service',
  openFds: 'restart_service',
  threads: 'restart_service',
  errorsPerMinute: 'restart_service',
  eventLoopLagMs: 'restart_service',
  // A probe that answers, only slowly, is lag seen from outside.
  tcpLatencyMs: 'restart_service',
  socketioLatencyMs: 'restart_service',
  ipcLatencyMs: 'restart_service',
});

/** A metric nobody has given a ceiling only ever logs. */
export function ceilingFor(metric: string): RecoveryAction {
  return METRIC_CEILINGS[metric] ?? 'log_warning';
}
