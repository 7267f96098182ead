import { DEFAULT_CHILD_SETTINGS } from '@mpm/child';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];

/**
 * The defaults of the settings this version reads (the `name`, `child.*` and `log.*` keys
 * of DESIGN §5). config/default.json shows the same values to users; a test keeps the two
 * equal.
 */
export const DEFAULTS = Object.freeze({
  name: 'socketio-server',
  child: Object.freeze({
    port: null as number | null,
    stopSignal: DEFAULT_CHILD_SETTINGS.stopSignal,
    killTimeoutMs: DEFAULT_CHILD_SETTINGS.killTimeoutMs,
    restartDelayMs: DEFAULT_CHILD_SETTINGS.restartDelayMs,
    maxRestartDelayMs: DEFAULT_CHILD_SETTINGS.maxRestartDelayMs,
    minUptimeMs: DEFAULT_CHILD_SETTINGS.minUptimeMs,
  }),
  log: Object.freeze({
    level: 'info' as LogLevel,
    format: 'auto' as LogFormatSetting,
    file: null as string | null,
    maxSizeMb: 10,
    maxFiles: 5,
  }),
});
