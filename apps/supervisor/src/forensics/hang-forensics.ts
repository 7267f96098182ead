import { EventEmitter } from 'node:events';
import type { HangReport } from '@mpm/recovery';
import { takeHangReport } from './take-report.js';

/** The recovery.forensics.* keys. */
export interface ForensicsSettings {
  readonly enabled: boolean;
  readonly timeoutMs: number;
}

/** A hang report as the log, the timeline and the metrics are told it. */
export interface HangReportRecord {
  readonly report: HangReport;
  readonly childPid: number;
  readonly generation: number;
}

export interface HangForensicsEvents {
  report: [HangReportRecord];
}

/**
 * Takes hang reports for the recovery host (docs/design.md §12) with the settings in force at
 * that moment (`settings` is read on each call, so a reload applies at once), and tells
 * whoever listens about each one.
 */
export class HangForensics extends EventEmitter<HangForensicsEvents> {
  readonly #settings: () => ForensicsSettings;
  readonly #take: typeof takeHangReport;

  constructor(settings: () => ForensicsSettings, take: typeof takeHangReport = takeHangReport) {
    super();
    this.#settings = settings;
    this.#take = take;
  }

  /** A report on `childPid`, or undefined when forensics are off. Never rejects; bounded by timeoutMs. */
  async take(childPid: number, generation: number): Promise<HangReport | undefined> {
    const { enabled, timeoutMs } = this.#settings();
    if (!enabled) return undefined;
    const report = await this.#take(childPid, { timeoutMs });
    this.emit('report', { report, childPid, generation });
    return report;
  }
}
