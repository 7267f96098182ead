import { causesOf, type HealthCheckResult } from '@mpm/health';
import type { BreakerView, ChildView, StatusView } from './status-view.js';

/** The three statuses of `application/health+json`. */
export type HealthJsonStatus = 'pass' | 'warn' | 'fail';

/** What /health says overall, and one line on why when it is not `pass`. */
export interface Verdict {
  readonly status: HealthJsonStatus;
  readonly output: string | undefined;
}

const RANK: Readonly<Record<HealthJsonStatus, number>> = { pass: 0, warn: 1, fail: 2 };

function worse(a: Verdict, b: Verdict): Verdict {
  if (RANK[b.status] > RANK[a.status]) return { status: b.status, output: join(b.output, a.output) };
  return { status: a.status, output: join(a.output, b.output) };
}

function join(first: string | undefined, second: string | undefined): string | undefined {
  if (first === undefined) return second;
  return second === undefined ? first : `${first}; ${second}`;
}

/**
 * The overall status of /health: fail when the child is not serving (down, critical,
 * past its startup timeout) or the supervisor is stopping; warn while it starts, at a
 * warning threshold, or while recovery is held back by an open breaker; pass otherwise.
 */
export function healthVerdict(view: StatusView): Verdict {
  return worse(childVerdict(view), breakerVerdict(view));
}

function childVerdict(view: StatusView): Verdict {
  if (view.recovery.gaveUp) return { status: 'fail', output: 'recovery gave up (the circuit breaker opened too often in a row): the supervisor stops and exits 75' };
  if (view.supervisor.stopping) return { status: 'fail', output: 'the supervisor is stopping' };
  const { child } = view;
  if (child.state !== 'running') return { status: 'fail', output: describeDown(child, view.now) };
  return resultVerdict(view.health.latest);
}

function resultVerdict(latest: HealthCheckResult | undefined): Verdict {
  if (latest === undefined) return { status: 'warn', output: 'the child is starting: no check has finished yet' };
  const causes = causesOf(latest)
    .map((metric) => metric.message)
    .join('; ');
  if (latest.readiness === 'startup_timeout') return { status: 'fail', output: `the child did not become ready within child.startupTimeoutMs: ${causes}` };
  if (latest.readiness === 'starting') return { status: 'warn', output: causes === '' ? 'the child is starting' : `the child is starting: ${causes}` };
  switch (latest.status) {
    case 'critical':
      return { status: 'fail', output: causes };
    case 'warning':
      return { status: 'warn', output: causes };
    default:
      return { status: 'pass', output: undefined };
  }
}

function breakerVerdict(view: StatusView): Verdict {
  const { breaker } = view;
  if (breaker.state !== 'open') return { status: 'pass', output: undefined };
  return { status: 'warn', output: describeOpenBreaker(breaker) };
}

/** "circuit breaker open since …: why; recovery resumes at …" */
export function describeOpenBreaker(breaker: BreakerView): string {
  const since = breaker.since === null ? '' : ` since ${isoTime(breaker.since)}`;
  const why = breaker.reason === null ? '' : ` (${breaker.reason})`;
  const resumes = breaker.exhausted || breaker.until === null ? ', for good' : `; recovery resumes at ${isoTime(breaker.until)}`;
  return `circuit breaker open${since}${why}${resumes}`;
}

/** One line on a child that is not running, for an operator. */
export function describeDown(child: ChildView, now: number): string {
  const exit = child.lastExit === null ? '' : ` (${exitText(child.lastExit.code, child.lastExit.signal)} after ${seconds(child.lastExit.uptimeMs)})`;
  switch (child.state) {
    case 'backoff':
      return `the child exited${exit} and is respawned in ${seconds(Math.max(0, (child.respawnAt ?? now) - now))}`;
    case 'exited':
      return `the child exited${exit} and has not been respawned`;
    case 'stopping':
      return 'the child is being stopped';
    case 'starting':
      return 'the child is being spawned';
    case 'idle':
      return 'the child has not been started yet';
    default:
      return `the child is ${child.state}${exit}`;
  }
}

function exitText(code: number | null, signal: string | null): string {
  return signal === null ? `code ${code ?? '?'}` : `killed by ${signal}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * Whether traffic should go to this child (/health/ready): it runs, it has passed its
 * startup, and nothing is critical. A warning (a busy server) is still ready.
 */
export function readinessVerdict(view: StatusView): { readonly ready: boolean; readonly output: string } {
  const verdict = childVerdict(view);
  const latest = view.health.latest;
  const ready = view.child.state === 'running' && !view.supervisor.stopping && latest?.readiness === 'ready' && latest.status !== 'critical';
  if (ready) return { ready, output: verdict.output ?? 'the child is up and passing its checks' };
  return { ready, output: verdict.output ?? 'the child is not ready' };
}
