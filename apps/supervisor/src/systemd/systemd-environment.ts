/** What systemd told this process through its environment (sd_notify(3), sd_watchdog_enabled(3)). */
export interface SystemdEnvironment {
  /** NOTIFY_SOCKET: a path, or "@name" in the abstract namespace; null when not run by systemd with Type=notify. */
  readonly notifySocket: string | null;
  /** Half of WATCHDOG_USEC, in ms, when the watchdog is on and meant for this process. */
  readonly watchdogPingMs: number | null;
}

const NAMES = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/**
 * Reads systemd's variables and removes them from `env`, as sd_notify's unset_environment
 * does: the supervised child inherits this environment, and a child that spoke to the
 * socket (READY=1 from a server that uses sd-notify itself) would tell systemd things
 * about the supervisor that are not true.
 */
export function takeSystemdEnvironment(env: NodeJS.ProcessEnv, pid: number = process.pid): SystemdEnvironment {
  const socket = env['NOTIFY_SOCKET'];
  const usec = env['WATCHDOG_USEC'];
  const watchdogPid = env['WATCHDOG_PID'];
  for (const name of NAMES) delete env[name];
  const notifySocket = socket !== undefined && socket !== '' ? socket : null;
  const forUs = watchdogPid === undefined || watchdogPid === '' || Number(watchdogPid) === pid;
  const micros = usec !== undefined && /^\d+$/.test(usec) ? Number(usec) : 0;
  const watchdogPingMs = notifySocket !== null && forUs && micros > 0 ? Math.max(1, Math.floor(micros / 2000)) : null;
  return { notifySocket, watchdogPingMs };
}
