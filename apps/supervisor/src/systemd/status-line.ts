import { healthVerdict, type StatusView } from '@mpm/http';

/** systemd shows STATUS= in `systemctl status`; a long one is cut there anyway. */
const MAX_LENGTH = 200;

/**
 * The one line `systemctl status` shows under the unit: the child, its health, restarts
 * and the breaker, e.g. "child 4242 running; pass; 0 restarts; breaker closed". Nothing
 * that changes every second (uptime), so that a new line means a new state.
 */
export function statusLine(view: StatusView): string {
  const { child, breaker } = view;
  const who = child.pid === null ? `child ${child.state}` : `child ${child.pid} ${child.state}`;
  const restarts = `${child.restarts} restart${child.restarts === 1 ? '' : 's'}`;
  // Before the first spawn there is no health to speak of.
  const parts = child.state === 'idle' || child.state === 'starting' ? [who, restarts] : [who, healthOf(view), restarts];
  const line = [...parts, `breaker ${breaker.state}`].join('; ');
  return line.length <= MAX_LENGTH ? line : `${line.slice(0, MAX_LENGTH - 1)}…`;
}

function healthOf(view: StatusView): string {
  const verdict = healthVerdict(view);
  return verdict.status === 'pass' || verdict.output === undefined ? verdict.status : `${verdict.status}: ${firstCause(verdict.output)}`;
}

function firstCause(output: string): string {
  return output.split('; ')[0] ?? output;
}
