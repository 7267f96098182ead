import type { NativeLoad } from '@mpm/native';
import { ConfigError } from '../errors.js';

/** Sends sd_notify(3) messages: "KEY=value" lines in one datagram. */
export interface NotifySender {
  send(fields: readonly string[]): void;
}

/**
 * A datagram per message to NOTIFY_SOCKET, through the native helper. Without the helper
 * it throws a ConfigError (exit 78) at start: a Type=notify unit would otherwise wait for
 * READY=1 until its start timeout and be killed with no word of why.
 */
export function notifySocketSender(socket: string, native: NativeLoad): NotifySender {
  if (!native.ok) {
    throw new ConfigError(
      `NOTIFY_SOCKET is set (a systemd Type=notify unit) but ${native.reason}; without it systemd never hears READY=1 (or drop Type=notify, WatchdogSec= and NotifyAccess= from the unit)`,
    );
  }
  const { notify } = native.bindings;
  return {
    send(fields) {
      notify(socket, fields.map(clean).join('\n'));
    },
  };
}

/** A value may not hold a newline: it would start another field. */
function clean(field: string): string {
  return field.replace(/[\r\n]+/g, ' ');
}
