import type { ChildController } from '@mpm/child';
import type { HealthMonitor } from '@mpm/health';
import { loadNative } from '@mpm/native';
import type { RecoveryManager } from '@mpm/recovery';
import type winston from 'winston';
import type { SupervisorStatus } from '../status/supervisor-status.js';
import { monitorProgress } from './loop-check.js';
import { notifySocketSender, NotifyUnavailableError } from './notify-socket.js';
import type { SystemdEnvironment } from './systemd-environment.js';
import { SystemdNotifier } from './systemd-notifier.js';

export interface NotifyInputs {
  readonly systemd: SystemdEnvironment;
  readonly status: SupervisorStatus;
  readonly controller: ChildController;
  readonly monitor: HealthMonitor;
  readonly recovery: RecoveryManager;
  readonly logger: winston.Logger;
}

/** The notifier when systemd asked for one (NOTIFY_SOCKET), else undefined. */
export function startSystemdNotify(inputs: NotifyInputs): { readonly notifier: SystemdNotifier | undefined; readonly stop: () => void } {
  const { systemd, status, controller, monitor, recovery, logger } = inputs;
  if (systemd.notifySocket === null) return { notifier: undefined, stop: () => undefined };
  let sender;
  try {
    sender = notifySocketSender(systemd.notifySocket, loadNative());
  } catch (error) {
    if (!(error instanceof NotifyUnavailableError)) throw error;
    logger.error(error.message, { event: 'systemd_notify_unavailable' });
    return { notifier: undefined, stop: () => undefined };
  }
  const notifier = new SystemdNotifier({
    sender,
    view: () => status.view(),
    onChange: (listener) => {
      controller.on('state', listener);
      const stopStatus = monitor.onStatusChange(listener);
      recovery.on('breaker', listener);
      recovery.on('event', listener);
      return () => {
        controller.off('state', listener);
        stopStatus();
        recovery.off('breaker', listener);
        recovery.off('event', listener);
      };
    },
    watchdogPingMs: systemd.watchdogPingMs,
    loopCheck: monitorProgress(monitor),
    logger,
  });
  logger.info(
    `speaking the systemd notify protocol on ${systemd.notifySocket}${systemd.watchdogPingMs === null ? '' : `, watchdog fed every ${systemd.watchdogPingMs} ms`}`,
    { event: 'systemd_notify', socket: systemd.notifySocket, watchdogPingMs: systemd.watchdogPingMs },
  );
  return { notifier, stop: notifier.start() };
}
