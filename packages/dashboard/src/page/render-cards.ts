/** The three cards: child, circuit breaker, health. Re-run every second for the clocks. */
import type { FeedBreaker, FeedChild, FeedSample, FeedState } from '../feed.js';
import type { ServerClock } from './clock.js';
import { byId, byTestId, setAttr, setText } from './dom.js';
import { formatClock, formatDuration, formatExitCause } from './format.js';
import { breakerTone, childStateTone, healthTone } from './tones.js';

/** A countdown to a server epoch time; `now` once it is due but nothing moved yet. */
function countdown(clock: ServerClock, at: number): string {
  const left = at - clock.now();
  return left > 500 ? `in ${formatDuration(left + 999)}` : 'now';
}

function renderChild(child: FeedChild, clock: ServerClock): void {
  const state = byTestId('child-state');
  setText(state, child.state);
  setAttr(state, 'data-tone', childStateTone(child.state));
  setText(byTestId('child-pid'), child.pid === null ? '—' : String(child.pid));
  setText(byTestId('child-uptime'), child.startedAt === null ? '—' : formatDuration(clock.now() - child.startedAt));
  setText(byTestId('child-restarts'), String(child.restarts));

  const exit = child.lastExit;
  setText(byId('child-last-exit'), exit === null ? '—' : `${formatExitCause(exit.code, exit.signal)} at ${formatClock(new Date(exit.at))}, after ${formatDuration(exit.uptimeMs)}`);
  const respawning = child.respawnAt !== null;
  byId('child-respawn-row').hidden = !respawning;
  if (child.respawnAt !== null) setText(byId('child-respawn'), countdown(clock, child.respawnAt));
}

function renderBreaker(breaker: FeedBreaker, clock: ServerClock): void {
  const state = byTestId('breaker-state');
  setText(state, breaker.state);
  setAttr(state, 'data-tone', breakerTone(breaker.state));
  setText(byId('breaker-failures'), `${breaker.recentFailures} / ${breaker.failureThreshold}`);
  setText(byId('breaker-reason'), breaker.reason ?? '—');
  const opening = breaker.state === 'open' && breaker.until !== null;
  byId('breaker-until-row').hidden = !opening;
  if (breaker.until !== null) setText(byId('breaker-until'), countdown(clock, breaker.until));
  setText(byId('breaker-opens'), String(breaker.opensInARow));
  const exhausted = byId('breaker-exhausted');
  setText(exhausted, breaker.exhausted ? 'yes — no more restarts' : 'no');
  setAttr(exhausted, 'data-tone', breaker.exhausted ? 'crit' : null);
}

function renderHealth(state: FeedState, lastSample: FeedSample | undefined, clock: ServerClock): void {
  const status = byTestId('health-status');
  setText(status, state.health);
  setAttr(status, 'data-tone', healthTone(state.health));
  const recovery = byId('recovery');
  setText(recovery, state.recovery.gaveUp ? 'gave up' : state.recovery.enabled ? 'enabled' : 'disabled');
  setAttr(recovery, 'data-tone', state.recovery.gaveUp ? 'crit' : null);
  // A round older than a few intervals means the monitor is not getting through.
  const age = lastSample === undefined ? null : clock.now() - lastSample.at;
  const lastCheck = byId('last-check');
  setText(lastCheck, age === null ? '—' : `${formatDuration(age)} ago`);
  setAttr(lastCheck, 'data-tone', age !== null && age > 3 * state.checkIntervalMs ? 'warn' : null);
  setText(byId('check-interval'), `every ${formatDuration(state.checkIntervalMs)}`);
}

export function renderCards(state: FeedState, lastSample: FeedSample | undefined, clock: ServerClock): void {
  renderChild(state.child, clock);
  renderBreaker(state.breaker, clock);
  renderHealth(state, lastSample, clock);
}
