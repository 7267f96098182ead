// What the supervisor said, from its JSON records: whether it is done with the last fault,
// and what it did about each one.

/**
 * Settled: the child's health is `healthy` and every action the supervisor started has
 * its verdict. A fault injected before that would land in the middle of a recovery (and
 * a kill during verification counts as a failed recovery, towards the breaker).
 */
export function settled(records) {
  let health;
  const open = new Set();
  for (const { record } of records) {
    if (record.event === 'health_changed') health = record.to;
    else if (record.event === 'recovery_started') open.add(record.id);
    else if (record.event === 'recovery') open.delete(record.id);
  }
  return health === 'healthy' && open.size === 0;
}

/** The same line n times in a row, said once with ×n. */
function compact(lines) {
  const out = [];
  for (const line of lines) {
    const last = out.at(-1);
    if (last?.line === line) last.times += 1;
    else out.push({ line, times: 1 });
  }
  return out.map(({ line, times }) => (times === 1 ? line : `${line} ×${times}`));
}

/** One short line per thing the supervisor did in `records`: exits, actions with their verdicts, breaker moves. */
export function actionsIn(records) {
  const lines = [];
  for (const { record } of records) {
    switch (record.event) {
      case 'child_exited':
        lines.push(`child ${record.childPid} ${record.signal ?? `exit ${record.exitCode}`}${record.expected ? ` (${record.reason})` : ''}`);
        break;
      case 'recovery':
        lines.push(`${record.action} for ${record.failureClass}${record.thresholds ? ` (${record.thresholds.join(', ')})` : ''}: ${record.result}`);
        break;
      case 'child_kill_escalated':
        lines.push(`SIGKILL after ${record.afterMs} ms`);
        break;
      case 'circuit_breaker':
        if (record.from !== record.to) lines.push(`breaker ${record.from} → ${record.to}`);
        break;
      default:
    }
  }
  return compact(lines);
}

/** Every time the breaker opened: the soak would then be measuring the breaker, not recovery. */
export function breakerOpens(records) {
  return records.filter(({ record }) => record.event === 'circuit_breaker' && record.to === 'open').map(({ record }) => record.reason);
}
