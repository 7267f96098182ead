import type { ChildController, ExitEvent, StopRequestedEvent } from '@mpm/child';
import type winston from 'winston';
import { formatDuration, redactArgs } from '@mpm/config';
import { hideInspectorId } from './forensics/inspector-lines.js';
import { childLineWriter } from './logging/child-lines.js';

/**
 * Writes what the child controller reports to the log: every output line of the child,
 * and each lifecycle event as one structured record with an `event` field.
 */
export function logChildEvents(controller: ChildController, logger: winston.Logger): void {
  const write = childLineWriter(logger);
  controller.on('line', (line) => write(hideInspectorId(line)));

  controller.on('spawned', (spawned) => {
    logger.info(`child spawned with pid ${spawned.pid}`, {
      event: 'child_spawned',
      childPid: spawned.pid,
      generation: spawned.generation,
      restarts: spawned.restarts,
      command: [spawned.command, ...redactArgs(spawned.args)].join(' '),
      ipc: spawned.ipc,
    });
  });

  controller.on('exit', (exit) => {
    const fields = {
      event: 'child_exited',
      childPid: exit.pid,
      generation: exit.generation,
      exitCode: exit.code,
      signal: exit.signal,
      uptimeMs: exit.uptimeMs,
      expected: exit.expected,
      ...(exit.reason === undefined ? {} : { reason: exit.reason }),
    };
    if (exit.expected) logger.info(describeExit(exit), fields);
    else logger.error(describeExit(exit), fields);
  });

  controller.on('restartScheduled', (scheduled) => {
    logger.info(`restarting child in ${formatDuration(scheduled.delayMs)} (attempt ${scheduled.attempt})`, {
      event: 'child_restart_scheduled',
      delayMs: scheduled.delayMs,
      attempt: scheduled.attempt,
    });
  });

  controller.on('stopRequested', (stop) => {
    logger.info(`stopping child ${stop.pid} (${stop.reason}): ${describeStop(stop)}`, {
      event: 'child_stopping',
      childPid: stop.pid,
      reason: stop.reason,
      how: stop.how,
      signal: stop.signal,
      killTimeoutMs: stop.killTimeoutMs,
    });
  });

  controller.on('killEscalated', (kill) => {
    logger.warn(`child process group ${kill.pid} still running after ${formatDuration(kill.afterMs)}: sent SIGKILL to ${kill.members.length} process(es)`, {
      event: 'child_kill_escalated',
      childPid: kill.pid,
      afterMs: kill.afterMs,
      members: kill.members,
    });
  });

  controller.on('escapesEnded', ({ generation, found, killed }) => {
    const shown = found
      .slice(0, 10)
      .map((escaped) => `${escaped.pid} (${escaped.name})`)
      .join(', ');
    const more = found.length > 10 ? ` and ${found.length - 10} more` : '';
    const forced = killed.length === 0 ? '' : `; ${killed.length} needed SIGKILL`;
    logger.warn(`ended ${found.length} process(es) that had left the child's process group: ${shown}${more}${forced}`, {
      event: 'child_escapes_ended',
      generation,
      pids: found.map((escaped) => escaped.pid),
      killed,
    });
  });

  controller.on('state', ({ from, to }) => {
    if (to.kind === 'stopped') {
      logger.info(`child stopped (${to.reason})`, { event: 'child_stopped', reason: to.reason, previous: from.kind });
    }
  });

  controller.on('spawnFailed', (error) => {
    logger.error(error.message, { event: 'child_spawn_failed', kind: error.kind, code: error.code ?? null });
  });
}

/** "child 4242 was killed by SIGKILL after 12s (unexpected)": the log's and the dashboard timeline's line. */
export function describeExit(exit: ExitEvent): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
  const why = exit.expected ? `(${exit.reason ?? 'requested'})` : '(unexpected)';
  return `child ${exit.pid} ${how} after ${formatDuration(exit.uptimeMs)} ${why}`;
}

function describeStop(stop: StopRequestedEvent): string {
  const after = formatDuration(stop.killTimeoutMs);
  switch (stop.how) {
    case 'kill':
      return 'SIGKILL to its process group now';
    case 'message':
      return `asked over IPC to shut down, SIGKILL to its process group after ${after}`;
    case 'signal':
      return `${stop.signal} to its process group, SIGKILL after ${after}`;
  }
}
