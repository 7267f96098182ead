import type { ChildController } from '@mpm/child';
import { formatDuration } from '@mpm/config';
import type { TimelineEntry, TimelineKind, TimelineLevel } from '@mpm/dashboard';
import type { ActionStarted, BreakerTransition, RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import { describeExit } from '../child-log.js';
import type { HangForensics, HangReportRecord } from '../forensics/hang-forensics.js';
import { describeHangReport, hangHeadline } from '../forensics/hang-text.js';
import { describeBreaker, describeEvent, levelOf, what } from '../recovery/recovery-log.js';

/** Enough for a bad night: a crash loop writes three entries a restart. */
export const TIMELINE_SIZE = 200;

/**
 * What happened to the child and its recovery, newest last, for the dashboard. The lines
 * are the log's own, so that what an operator sees on the page can be found in the log.
 */
export class Timeline {
  readonly #size: number;
  readonly #now: () => number;
  readonly #entries: TimelineEntry[] = [];
  readonly #listeners = new Set<(entry: TimelineEntry) => void>();
  #nextId = 1;

  constructor(size: number = TIMELINE_SIZE, now: () => number = Date.now) {
    this.#size = size;
    this.#now = now;
  }

  /** Oldest first. */
  entries(): readonly TimelineEntry[] {
    return this.#entries;
  }

  add(kind: TimelineKind, level: TimelineLevel, title: string, detail: string | null = null): TimelineEntry {
    const entry: TimelineEntry = { id: this.#nextId++, at: this.#now(), kind, level, title, detail };
    this.#entries.push(entry);
    if (this.#entries.length > this.#size) this.#entries.splice(0, this.#entries.length - this.#size);
    for (const listener of this.#listeners) listener(entry);
    return entry;
  }

  onEntry(listener: (entry: TimelineEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** Fills the timeline from the controller's and the recovery manager's events; returns the unsubscribe. */
export function recordTimeline(timeline: Timeline, controller: ChildController, recovery: RecoveryManager): () => void {
  const onSpawned = ({ pid, generation, restarts }: { pid: number; generation: number; restarts: number }): void => {
    timeline.add('spawned', 'info', `child spawned with pid ${pid}`, generation === 1 ? null : `generation ${generation}, restart ${restarts}`);
  };
  const onExit = (exit: Parameters<typeof describeExit>[0]): void => {
    timeline.add('exited', exit.expected ? 'info' : 'error', describeExit(exit));
  };
  const onRestartScheduled = ({ delayMs, attempt }: { delayMs: number; attempt: number }): void => {
    // A respawn at once is told by the spawn that follows; only a wait is worth a line.
    if (delayMs > 0) timeline.add('restart_scheduled', 'info', `restarting the child in ${formatDuration(delayMs)} (attempt ${attempt})`);
  };
  const onStarted = (started: ActionStarted): void => {
    timeline.add('recovery_started', 'warning', `recovery #${started.id}: ${what(started)} in child ${String(started.pid)}`, started.reason);
  };
  const onEvent = (event: RecoveryEvent): void => {
    const level = levelOf(event);
    timeline.add('recovery', level === 'warn' ? 'warning' : level, describeEvent(event), event.reason);
  };
  const onBreaker = (transition: BreakerTransition): void => {
    if (transition.from.kind === transition.to.kind) return;
    const level: TimelineLevel = transition.to.kind === 'open' ? 'error' : transition.to.kind === 'half_open' ? 'warning' : 'info';
    timeline.add('breaker', level, describeBreaker(transition));
  };
  const onGaveUp = (why: string): void => {
    timeline.add('gave_up', 'error', 'recovery gave up: the supervisor stops the child and exits with 75', why);
  };
  controller.on('spawned', onSpawned);
  controller.on('exit', onExit);
  controller.on('restartScheduled', onRestartScheduled);
  recovery.on('started', onStarted);
  recovery.on('event', onEvent);
  recovery.on('breaker', onBreaker);
  recovery.on('gaveUp', onGaveUp);
  return () => {
    controller.off('spawned', onSpawned);
    controller.off('exit', onExit);
    controller.off('restartScheduled', onRestartScheduled);
    recovery.off('started', onStarted);
    recovery.off('event', onEvent);
    recovery.off('breaker', onBreaker);
    recovery.off('gaveUp', onGaveUp);
  };
}

/**
 * A hang report as it is taken, just before the kill: where the child was stuck in the
 * title, the whole report (the callers, or why there is no stack) below it.
 */
export function recordHangReports(timeline: Timeline, forensics: HangForensics): () => void {
  const onReport = ({ report, childPid }: HangReportRecord): void => {
    const whole = describeHangReport(report);
    const headline = hangHeadline(report);
    timeline.add('hang_report', 'warning', `hang report for child ${childPid}: ${headline}`, `${whole === headline ? '' : `${whole}; `}took ${report.tookMs} ms`);
  };
  forensics.on('report', onReport);
  return () => forensics.off('report', onReport);
}
