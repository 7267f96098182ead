import type { NativeLoad } from '@mpm/native';

/** Sends sd_notify(3) messages: "KEY=value" lines in one datagram. */
export interface NotifySender {
  send(fields: readonly string[]): void;
}

export class NotifyUnavailableError extends Error {
  override readonly name = 'NotifyUnavailableError';
}

/** A datagram per message to NOTIFY_SOCKET, through the native helper. */
export function notifySocketSender(socket: string, native: NativeLoad): NotifySender {
  if (!native.ok) throw new NotifyUnavailableError(`NOTIFY_SOCKET is set but ${native.reason}: systemd will not hear that the service is ready`);
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
