import winston from 'winston';
import { visible } from '../visible-text.js';
import { LEADING_FIELDS, MESSAGE, type LogInfo } from './record.js';

const leading = new Set<string>(LEADING_FIELDS);

/** Stamps each record once, before it fans out to the transports. */
export const stamp = winston.format((info) => {
  const record = info as LogInfo;
  record['timestamp'] ??= new Date().toISOString();
  record['source'] ??= 'supervisor';
  record['pid'] ??= process.pid;
  return info;
});

/** One JSON object per line, the leading fields first so that a person can scan them. */
export const jsonLine = winston.format((info) => {
  const record = info as LogInfo;
  const ordered: Record<string, unknown> = {};
  for (const key of LEADING_FIELDS) {
    const value = record[key];
    if (value !== undefined) ordered[key] = value;
  }
  for (const key of Object.keys(record)) {
    if (!leading.has(key)) ordered[key] = record[key];
  }
  record[MESSAGE] = JSON.stringify(ordered);
  return info;
});

const colorizer = winston.format.colorize({
  colors: { error: 'red', warn: 'yellow', info: 'green', http: 'cyan', verbose: 'cyan', debug: 'blue', silly: 'magenta' },
});

/**
 * Fields that a pretty line shows in its own columns rather than as key=value, or not at
 * all: a health change's `causes`, and a recovery's `reason` and `detail`, are already
 * spelled out in its message, and only machines want them again as JSON.
 */
const shownInColumns = new Set<string>([...LEADING_FIELDS, 'event', 'truncated', 'originalBytes', 'causes', 'detail']);
const spelledOutFor: Readonly<Record<string, readonly string[]>> = {
  recovery: ['reason', 'thresholds', 'durationMs'],
  recovery_started: ['reason', 'thresholds'],
  recovery_gave_up: ['reason'],
  circuit_breaker: ['reason', 'until'],
  status_server_listening: ['url', 'host', 'port', 'tokenRequired'],
  status_server_insecure: ['url'],
  status_server_host_refused: ['count', 'hosts'],
  status_server_connection_limit: ['count', 'evicted', 'refused', 'peers'],
  log_file_reopened: ['file', 'reason', 'linesLost', 'code'],
  log_file_unwritable: ['file', 'code'],
};

/**
 * A readable line for a terminal: `12:00:01.234 info  child[4242] out  hello`. Levels
 * are coloured only when `colors` is set (stdout is a TTY). Control characters in the
 * record (a child's escape sequences, or anything in a log file `logs` reads) are shown
 * as escapes, never sent raw: the level's colour is the only escape sequence in the line.
 */
export function prettyLine(colors: boolean): winston.Logform.Format {
  return winston.format((info) => {
    const record = info as LogInfo;
    const time = visible(String(record['timestamp']).slice(11, 23));
    const levelText = visible(record.level).padEnd(5);
    const level = colors ? colorizer.colorize(record.level, levelText) : levelText;
    const who = record['source'] === 'child' ? `child[${String(record['pid'])}] ${record['stream'] === 'stderr' ? 'err' : 'out'}` : 'supervisor';
    let rest = `${who.padEnd(10)} ${String(record.message)}`;
    if (record['truncated'] === true) rest += ` …[cut from ${String(record['originalBytes'])} bytes]`;
    const spelledOut = spelledOutFor[String(record['event'])] ?? [];
    const extras = Object.keys(record).filter((key) => !shownInColumns.has(key) && !spelledOut.includes(key));
    if (extras.length > 0) rest += '  ' + extras.map((key) => `${key}=${formatValue(record[key])}`).join(' ');
    record[MESSAGE] = `${time} ${level} ${visible(rest)}`;
    return info;
  })();
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}
