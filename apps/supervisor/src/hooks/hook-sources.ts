import type { ChildController, ExitEvent } from '@mpm/child';
import type { HookEventName } from '@mpm/config';
import type { HealthMonitor, StatusChange } from '@mpm/health';
import type { ActionStarted, BreakerTransition, RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import { describeExit } from '../child-log.js';
import { describeChange } from '../health/health-log.js';
import { decisionFields, describeBreaker, describeEvent, describeStarted } from '../recovery/recovery-log.js';
import { makeEvent, type EventOrigin, type HookEvent } from './hook-event.js';

export interface HookSources {
  readonly controller: ChildController;
  readonly recovery: RecoveryManager;
  readonly monitor: HealthMonitor;
}

/**
 * Turns what the controller, the recovery manager and the health monitor report into hook
 * events (the same ones the dashboard's timeline shows), each with the log's own line.
 * `emit` must return at once: it is called from inside recovery's decisions. Returns the
 * unsubscribe.
 */
export function watchHookEvents(sources: HookSources, origin: EventOrigin, emit: (event: HookEvent) => void): () => void {
  const { controller, recovery, monitor } = sources;
  const send = (name: HookEventName, line: string, child: HookEvent['child'], details: Record<string, unknown>): void => emit(makeEvent(origin, name, line, child, details));

  const onExit = (exit: ExitEvent): void => {
    if (exit.expected) return;
    send('child_exited', describeExit(exit), { pid: exit.pid, generation: exit.generation }, { exitCode: exit.code, signal: exit.signal, uptimeMs: exit.uptimeMs });
  };
  const onStarted = (started: ActionStarted): void => {
    send('recovery_started', describeStarted(started), { pid: started.pid, generation: started.generation }, decisionDetails(started));
  };
  const onEvent = (event: RecoveryEvent): void => {
    if (event.result !== 'failed') return;
    send('recovery_failed', describeEvent(event), { pid: event.pid, generation: event.generation }, { ...decisionDetails(event), durationMs: event.durationMs });
  };
  const onBreaker = (transition: BreakerTransition): void => {
    const { from, to } = transition;
    if (from.kind === to.kind || (to.kind !== 'open' && to.kind !== 'closed')) return;
    const child = { pid: controller.pid ?? null, generation: controller.generation };
    const details =
      to.kind === 'open'
        ? { from: from.kind, reason: transition.reason, until: new Date(to.until).toISOString(), opensInARow: to.opensInARow, exhausted: transition.exhausted }
        : { from: from.kind, reason: transition.reason };
    send(to.kind === 'open' ? 'breaker_opened' : 'breaker_closed', describeBreaker(transition), child, details);
  };
  const onGaveUp = (why: string): void => {
    const child = { pid: controller.pid ?? null, generation: controller.generation };
    send('recovery_gave_up', `recovery gave up: ${why}; the supervisor stops the child and exits with 75`, child, { reason: why });
  };
  const onStatusChange = (change: StatusChange): void => {
    if (change.to !== 'critical' || change.from === 'critical') return;
    const { result } = change;
    send(
      'health_critical',
      describeChange(change, monitor.target?.startedAt),
      { pid: result.pid, generation: result.generation },
      {
        from: change.from,
        readiness: result.readiness,
        causes: change.causes.map((metric) => ({ name: metric.name, value: metric.value, unit: metric.unit, message: metric.message })),
      },
    );
  };

  controller.on('exit', onExit);
  recovery.on('started', onStarted);
  recovery.on('event', onEvent);
  recovery.on('breaker', onBreaker);
  recovery.on('gaveUp', onGaveUp);
  const offStatus = monitor.onStatusChange(onStatusChange);
  return () => {
    controller.off('exit', onExit);
    recovery.off('started', onStarted);
    recovery.off('event', onEvent);
    recovery.off('breaker', onBreaker);
    recovery.off('gaveUp', onGaveUp);
    offStatus();
  };
}

function decisionDetails(event: ActionStarted | RecoveryEvent): Record<string, unknown> {
  return { ...decisionFields(event), reason: event.reason, detail: event.detail };
}
