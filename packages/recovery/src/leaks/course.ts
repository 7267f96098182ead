import { showNumber, type HealthCheckResult } from '@mpm/health';
import type { PendingAction } from '../action-slot.js';
import { readingOf } from './leak-guard.js';

/** Rounds in a row, each over the one before, that show an action did not stop a climb. */
const RISES_THAT_TELL = 2;

/**
 * Why a resource action under verification has failed before verifyTimeoutMs: one of the
 * metrics it was for rose in RISES_THAT_TELL rounds in a row since the decision (an fd or
 * thread leak the clear did not stop). The readings so far are kept on the action.
 */
export function stillClimbing(action: PendingAction, result: HealthCheckResult): string | undefined {
  if (action.action !== 'clear_connections' || action.diagnosis.failureClass !== 'resource') return undefined;
  for (const name of action.diagnosis.thresholds) {
    const metric = result.metrics.find((candidate) => candidate.name === name);
    const value = metric?.value;
    if (typeof value !== 'number') continue;
    const start = readingOf(action.diagnosis, name);
    const readings = (action.course[name] ??= start === undefined ? [] : [start]);
    readings.push(value);
    if (readings.length > RISES_THAT_TELL + 1) readings.shift();
    const rising = readings.length === RISES_THAT_TELL + 1 && readings.every((reading, index) => index === 0 || reading > (readings[index - 1] ?? Infinity));
    const unit = metric?.unit === 'count' || metric?.unit === undefined ? '' : ` ${metric.unit}`;
    if (rising) return `${name} kept rising: ${readings.map((reading) => showNumber(reading)).join(' → ')}${unit}; ended before verifyTimeoutMs`;
  }
  return undefined;
}
