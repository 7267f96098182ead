import { showNumber, type HealthCheckResult } from '@mpm/health';
import type { Course, Decision } from '../manager/phase.js';
import { readingOf } from './leak-guard.js';

/** Rounds in a row, each over the one before, that show an action did not stop a climb. */
const RISES_THAT_TELL = 2;

/** A round's readings added to the course, and why the action has failed if they tell. */
export interface Climb {
  readonly course: Course;
  readonly failed?: string;
}

/**
 * Why a resource action under verification has failed before verifyTimeoutMs: one of the
 * metrics it was for rose in RISES_THAT_TELL rounds in a row since the decision (an fd or
 * thread leak the clear did not stop). The readings so far come back as the next course.
 */
export function stillClimbing(decision: Decision, course: Course, result: HealthCheckResult): Climb {
  if (decision.action !== 'clear_connections' || decision.diagnosis.failureClass !== 'resource') return { course };
  const next: Record<string, readonly number[]> = { ...course };
  for (const name of decision.diagnosis.thresholds) {
    const metric = result.metrics.find((candidate) => candidate.name === name);
    const value = metric?.value;
    if (typeof value !== 'number') continue;
    const start = readingOf(decision.diagnosis, name);
    const readings = [...(next[name] ?? (start === undefined ? [] : [start])), value].slice(-(RISES_THAT_TELL + 1));
    next[name] = readings;
    const rising = readings.length === RISES_THAT_TELL + 1 && readings.every((reading, index) => index === 0 || reading > (readings[index - 1] ?? Infinity));
    const unit = metric?.unit === 'count' || metric?.unit === undefined ? '' : ` ${metric.unit}`;
    if (rising) return { course: next, failed: `${name} kept rising: ${readings.map((reading) => showNumber(reading)).join(' → ')}${unit}; ended before verifyTimeoutMs` };
  }
  return { course: next };
}
