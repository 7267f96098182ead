import type { ChildController } from '@mpm/child';
import type { HealthMonitor } from '@mpm/health';
import { loadNative, type NativeLoad } from '@mpm/native';
import type { RecoveryManager } from '@mpm/recovery';
import type winston from 'winston';
import type { SupervisorStatus } from '../status/supervisor-status.js';
import { monitorProgress } from './loop-check.js';
import { notifySocketSender, type NotifySender } from './notify-socket.js';
import type { SystemdEnvironment } from './systemd-environment.js';
import { SystemdNotifier } from './systemd-notifier.js';

/**
 * The notify socket's sender when systemd asked for one (NOTIFY_SOCKET), else undefined.
 * Called before anything starts: a helper that is missing is a ConfigError (exit 78).
 */
export function systemdNotifySender(systemd: SystemdEnvironment, native: () => NativeLoad = loadNative): NotifySender | undefined {
  return systemd.notifySocket === null ? undefined : notifySocketSender(systemd.notifySocket, native());
}

export interface NotifyInputs {
  readonly systemd: SystemdEnvironment;
  /** From systemdNotifySender: undefined when systemd asked for no notifications. */
  readonly sender: NotifySender | undefined;
  readonly status: SupervisorStatus;
  readonly controller: ChildController;
  readonly monitor: HealthMonitor;
  readonly recovery: RecoveryManager;
  readonly logger: winston.Logger;
}

/** The notifier when systemd asked for one (NOTIFY_SOCKET), else undefined. */
export function startSystemdNotify(inputs: NotifyInputs): { readonly notifier: SystemdNotifier | undefined; readonly stop: () => void } {
  const { systemd, sender, status, controller, monitor, recovery, logger } = inputs;
  if (sender === undefined || systemd.notifySocket === null) return { notifier: undefined, stop: () => undefined };
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
  logger.info(`speaking the systemd notify protocol on ${systemd.notifySocket}${systemd.watchdogPingMs === null ? '' : `, watchdog fed every ${systemd.watchdogPingMs} ms`}`, {
    event: 'systemd_notify',
    socket: systemd.notifySocket,
    watchdogPingMs: systemd.watchdogPingMs,
  });
  return { notifier, stop: notifier.start() };
}
