import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { killQuietly } from './processes.js';
import { demoServerPath, type LogRecord, type SupervisorProcess } from './supervisor.js';
import { waitUntil } from './wait.js';

// Reading what the supervisor's log says about recovery, health and the child; for the
// end-to-end tests. Every wait has a deadline, generous for a slow machine.

export type Json = { [key: string]: unknown };

const DEADLINE_MS = 20_000;

/** `over` deep-merged onto `base` (objects merge, anything else replaces); neither is changed. */
export function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = out[key];
    const bothObjects = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof before === 'object' && before !== null;
    out[key] = bothObjects ? merge(before as Json, value as Json) : value;
  }
  return out;
}

export const at = (supervisor: SupervisorProcess, record: LogRecord): number => supervisor.records.indexOf(record);

export const timeOf = (record: LogRecord): number => Date.parse(String(record['timestamp']));

const matches = (record: LogRecord, fields: Json): boolean => Object.entries(fields).every(([key, value]) => record[key] === value);

/** `recovery` records (decisions with their verdicts) that match `fields`. */
export function decisions(supervisor: SupervisorProcess, fields: Json = {}): LogRecord[] {
  return supervisor.events('recovery').filter((record) => matches(record, fields));
}

/** The first `recovery` record from `from` on that matches `fields`. */
export function decision(supervisor: SupervisorProcess, fields: Json, from = 0): Promise<LogRecord> {
  return supervisor.waitForRecord((record) => record['event'] === 'recovery' && matches(record, fields), {
    from,
    timeoutMs: DEADLINE_MS,
    what: `a recovery record ${JSON.stringify(fields)}`,
  });
}

export function breakerTo(supervisor: SupervisorProcess, to: string, from = 0): Promise<LogRecord> {
  return supervisor.waitForRecord((record) => record['event'] === 'circuit_breaker' && record['to'] === to, {
    from,
    timeoutMs: DEADLINE_MS,
    what: `the circuit breaker to turn ${to}`,
  });
}

export function healthTo(supervisor: SupervisorProcess, to: string, from = 0): Promise<LogRecord> {
  return supervisor.waitForRecord((record) => record['event'] === 'health_changed' && record['to'] === to, {
    from,
    timeoutMs: DEADLINE_MS,
    what: `health to turn ${to}`,
  });
}

export function childLine(supervisor: SupervisorProcess, match: RegExp, from = 0): Promise<LogRecord> {
  return supervisor.waitForRecord((record) => record.source === 'child' && match.test(record.message), {
    from,
    timeoutMs: DEADLINE_MS,
    what: `a child line ${String(match)}`,
  });
}

/** The records strictly between two records. */
export function between(supervisor: SupervisorProcess, first: LogRecord, last: LogRecord): LogRecord[] {
  return supervisor.records.slice(at(supervisor, first) + 1, at(supervisor, last));
}

/** What the demo server holds when idle on this machine, so thresholds can be set from it. */
export interface DemoBaseline {
  readonly rssMb: number;
  readonly fds: number;
}

/** Starts the demo server alone, reads its RSS and open descriptors once it listens, and stops it. */
export async function measureDemoServer(): Promise<DemoBaseline> {
  const child = spawn(process.execPath, [demoServerPath], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('close', resolve));
  try {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await waitUntil(() => out.includes('listening on'), { timeoutMs: DEADLINE_MS, what: 'the demo server to listen' });
    const status = readFileSync(`/proc/${child.pid!}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${child.pid!}/fd`).length };
  } finally {
    killQuietly(child.pid!);
    await exited;
  }
}
