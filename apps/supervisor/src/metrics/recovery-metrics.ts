import type { RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import { Counter, Gauge, type Registry } from 'prom-client';

export const RECOVERY_ACTIONS_TOTAL = 'mpm_recovery_actions_total';
export const CIRCUIT_BREAKER_STATE = 'mpm_circuit_breaker_state';
export const CIRCUIT_BREAKER_OPENS_TOTAL = 'mpm_circuit_breaker_opens_total';

/** The breaker's state as a number, worst highest, so that an alert can say `> 0`. */
export const BREAKER_STATE_VALUES = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * Recovery in Prometheus terms (docs/design.md §6): decisions by action, result and failure
 * class, the breaker's state (read at scrape time) and how often it opened. Registered on
 * the registry it is given, never the global one.
 */
export function registerRecoveryMetrics(registry: Registry, manager: RecoveryManager): () => void {
  const actions = new Counter({
    name: RECOVERY_ACTIONS_TOTAL,
    help: 'Recovery decisions, by action, result (succeeded, failed, blocked, skipped) and failure class',
    labelNames: ['action', 'result', 'failure_class'] as const,
    registers: [registry],
  });
  new Gauge({
    name: CIRCUIT_BREAKER_STATE,
    help: `State of the recovery circuit breaker: ${Object.entries(BREAKER_STATE_VALUES)
      .map(([state, value]) => `${value} ${state}`)
      .join(', ')}`,
    registers: [registry],
    collect() {
      this.set(BREAKER_STATE_VALUES[manager.breaker.state.kind]);
    },
  });
  const opens = new Counter({
    name: CIRCUIT_BREAKER_OPENS_TOTAL,
    help: 'Times the recovery circuit breaker opened',
    registers: [registry],
  });
  const onEvent = (event: RecoveryEvent): void => actions.inc({ action: event.action, result: event.result, failure_class: event.failureClass });
  const onBreaker = ({ from, to }: { from: { kind: string }; to: { kind: string } }): void => {
    if (to.kind === 'open' && from.kind !== 'open') opens.inc();
  };
  manager.on('event', onEvent);
  manager.on('breaker', onBreaker);
  return () => {
    manager.off('event', onEvent);
    manager.off('breaker', onBreaker);
  };
}
