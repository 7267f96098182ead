import { formatDuration } from '@mpm/config';
import type { ActionStarted, BreakerTransition, RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import type winston from 'winston';

/** "restart_service for hung", "log_warning for resource (memoryMb)". */
export function what(event: Pick<RecoveryEvent, 'action' | 'failureClass' | 'thresholds'>): string {
  const which = event.thresholds.length === 0 ? '' : ` (${event.thresholds.join(', ')})`;
  return `${event.action} for ${event.failureClass}${which}`;
}

/** What a decision was, the same wherever it is told (a log record, a hook's event). */
export function decisionFields(event: ActionStarted | RecoveryEvent): Record<string, unknown> {
  return {
    id: event.id,
    action: event.action,
    failureClass: event.failureClass,
    severity: event.severity,
    ...(event.thresholds.length === 0 ? {} : { thresholds: event.thresholds }),
    breaker: event.breaker,
  };
}

/** The fields users grep for, the same on every recovery record. */
function fields(event: ActionStarted | RecoveryEvent): Record<string, unknown> {
  return {
    ...decisionFields(event),
    childPid: event.pid,
    generation: event.generation,
    reason: event.reason,
  };
}

/** The log level of a decision's verdict. */
export function levelOf(event: RecoveryEvent): 'error' | 'warn' | 'info' {
  if (event.result === 'failed') return 'error';
  if (event.result === 'succeeded') return event.action === 'log_warning' ? 'warn' : 'info';
  return 'warn';
}

/** The log's and the dashboard timeline's line for a decision with its verdict. */
export function describeEvent(event: RecoveryEvent): string {
  const verdict = event.action === 'log_warning' && event.result === 'succeeded' ? '' : ` ${event.result}`;
  const head = `recovery #${event.id}${verdict}: ${what(event)} in child ${String(event.pid)}`;
  // An action that ran had a recovery_started line with its reason; the verdict says how it went.
  const ran = event.result === 'succeeded' || event.result === 'failed' ? event.action !== 'log_warning' : false;
  return ran ? `${head}: ${event.detail}` : `${head} — ${event.reason} (${event.detail})`;
}

/** The log's line for an action as it starts: "recovery #3: restart_service for hung in child 4242 — <reason>". */
export function describeStarted(started: ActionStarted): string {
  return `recovery #${started.id}: ${what(started)} in child ${String(started.pid)} — ${started.reason}${started.detail === '' ? '' : ` (${started.detail})`}`;
}

export function describeBreaker(transition: BreakerTransition): string {
  const { from, to } = transition;
  const head = `circuit breaker ${from.kind} → ${to.kind}: ${transition.reason}`;
  if (to.kind !== 'open') return head;
  if (transition.exhausted) return `${head}; that is the last open allowed`;
  return `${head}; recovery is blocked for ${formatDuration(to.until - to.since)}`;
}

/**
 * Logs what recovery does: each action as it starts, each decision with its verdict
 * (one `recovery` record per RecoveryEvent, blocked and skipped ones included), each
 * change of the breaker's state, and giving up.
 */
export function logRecovery(manager: RecoveryManager, logger: winston.Logger): () => void {
  const onStarted = (started: ActionStarted): void => {
    logger.warn(describeStarted(started), {
      event: 'recovery_started',
      ...fields(started),
    });
  };
  const onEvent = (event: RecoveryEvent): void => {
    logger.log(levelOf(event), describeEvent(event), {
      event: 'recovery',
      ...fields(event),
      result: event.result,
      ...(event.skip === undefined ? {} : { skip: event.skip }),
      detail: event.detail,
      durationMs: event.durationMs,
    });
  };
  const onBreaker = (transition: BreakerTransition): void => {
    const { from, to } = transition;
    const record = {
      event: 'circuit_breaker',
      from: from.kind,
      to: to.kind,
      reason: transition.reason,
      ...(to.kind === 'closed' ? { failures: to.recentFailures.length } : { opensInARow: to.opensInARow }),
      ...(to.kind === 'open' ? { until: new Date(to.until).toISOString(), exhausted: transition.exhausted } : {}),
    };
    if (from.kind === to.kind) {
      logger.debug(`circuit breaker ${to.kind}: ${transition.reason}`, record);
      return;
    }
    logger.log(to.kind === 'open' ? 'error' : to.kind === 'half_open' ? 'warn' : 'info', describeBreaker(transition), record);
  };
  const onGaveUp = (why: string): void => {
    logger.error(`giving up: ${why}; stopping the child and exiting with 75 so that systemd or Kubernetes can take over`, { event: 'recovery_gave_up', reason: why });
  };
  manager.on('started', onStarted);
  manager.on('event', onEvent);
  manager.on('breaker', onBreaker);
  manager.on('gaveUp', onGaveUp);
  return () => {
    manager.off('started', onStarted);
    manager.off('event', onEvent);
    manager.off('breaker', onBreaker);
    manager.off('gaveUp', onGaveUp);
  };
}
