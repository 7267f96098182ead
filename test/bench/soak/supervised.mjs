// The soak's subject: mpm-supervise over the demo server, with runtime faults allowed,
// numbered output lines, a log file in a private folder and settings for a fast soak.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../lib/paths.mjs';
import { freePort } from '../lib/net.mjs';
import { startMpm } from '../subjects/mpm.mjs';

/** A numbered line every 10 ms: 100 lines a second for the line check. */
export const COUNT_EVERY_MS = 10;

/** The hard memory limit the soak asks for, unless the caller's environment names one. */
const MAX_MEMORY_MB = '300';

/**
 * What the soak changes from the supervisor's defaults, and why (each is reported):
 * - a 1 s check interval, as the issue asks;
 * - memory thresholds of 150/250 MiB, so that a 50 MiB/s leak is caught within seconds;
 * - child.maxMemoryMb, the hard limit (when this build knows it);
 * - child.minUptimeMs 2 s: a child that lived 2 s was not in a crash loop. The soak waits
 *   at least that long after each recovery before the next fault, so that a fault never
 *   counts towards the circuit breaker as a crash loop (at the default 10 s, a one-minute
 *   soak could only inject a handful of faults);
 * - 1 MiB log files, 100 kept: the log rotates every few seconds, and the line check
 *   reads across rotation; nothing is ever deleted within a soak of under an hour.
 */
export function soakSettings(env) {
  return {
    MPM_HEALTH_THRESHOLDS_MEMORY_MB_WARNING: '150',
    MPM_HEALTH_THRESHOLDS_MEMORY_MB_CRITICAL: '250',
    MPM_CHILD_MAX_MEMORY_MB: env.MPM_CHILD_MAX_MEMORY_MB ?? MAX_MEMORY_MB,
    MPM_CHILD_MIN_UPTIME_MS: '2000',
    MPM_LOG_MAX_SIZE_MB: '1',
    MPM_LOG_MAX_FILES: '100',
  };
}

/** Starts the supervisor; its log files stay until `removeFiles()`, for the line check. */
export async function startSupervised(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-soak-'));
  const logFile = join(dir, 'soak.log');
  const port = await freePort();
  const settings = soakSettings(ctx.env);
  const mpm = startMpm(ctx, {
    args: ['--name', 'soak', '--port', String(port), '--check-interval', '1s', '--log-file', logFile],
    command: [process.execPath, paths.demo],
    env: { ...settings, DEMO_FAULT_EVENTS: '1', DEMO_COUNT_EVERY_MS: String(COUNT_EVERY_MS) },
  });
  return {
    mpm,
    port,
    logFile,
    settings,
    /** False when this build of the supervisor does not know child.maxMemoryMb (it warns about the variable). */
    hardMemoryLimit: () => !mpm.stderr().includes('unknown variable MPM_CHILD_MAX_MEMORY_MB'),
    /** SIGTERM, then the exit: { code, signal }. */
    stop: () => mpm.stop(),
    removeFiles: () => rmSync(dir, { recursive: true, force: true }),
  };
}
