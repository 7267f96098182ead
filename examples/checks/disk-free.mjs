// A user-defined check as a module (health.custom, type "module"): free space on the disk
// that holds a folder, in GiB. Plain JavaScript, no dependencies; copy it and change it.
//
//   { "name": "disk", "type": "module", "module": "checks/disk-free.mjs",
//     "options": { "path": "/var/lib/chat" },
//     "thresholds": { "warning": 10, "critical": 5 } }
//
// With warning above critical, lower is worse: under 10 GiB is a warning, under 5 critical.
// The metric shows as "disk.freeGb" in /health, /metrics and the dashboard.
import { statfs } from 'node:fs/promises';

/** The default export: a HealthChecker, or (as here) a function of the check's options that returns one. */
export default function diskFree(options) {
  const path = typeof options.path === 'string' ? options.path : '/';
  return {
    // Every metric this checker may report; each becomes "<check>.<metric>".
    metrics: ['freeGb'],
    // Called every round. `target` is the child (pid, generation, address); `context` has
    // timeoutMs and an AbortSignal. A throw, or no answer within the timeout, makes the
    // round "unknown": a check's own trouble never counts against the child.
    async check(_target, _context) {
      const stats = await statfs(path);
      const freeGb = (stats.bavail * stats.bsize) / 2 ** 30;
      // No status: the check's thresholds rate the value. Give `status` ("healthy",
      // "warning", "critical" or "unknown") and `message` to judge it yourself.
      return [{ name: 'freeGb', value: Math.round(freeGb * 10) / 10, unit: 'GiB' }];
    },
    // Optional: called when the check is removed (a reload) or the supervisor stops.
    close() {},
  };
}
