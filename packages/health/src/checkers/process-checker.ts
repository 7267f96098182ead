import pidusage from 'pidusage';
import type { CheckContext, HealthChecker } from '../checker.js';
import { failed, info, rated, unknown, type HealthMetric } from '../metric.js';
import type { HealthTarget } from '../target.js';
import { readProcFacts, STATE_NAMES } from './proc.js';

const MIB = 1024 * 1024;
/** A stopped or zombie process serves nobody: critical (DESIGN §3). */
const BAD_STATES = new Set(['T', 't', 'Z', 'X']);

/**
 * The child as the kernel sees it: CPU % and RSS from pidusage, open descriptors,
 * threads and the process state from /proc.
 */
export class ProcessChecker implements HealthChecker {
  readonly name = 'process';
  readonly probe = false;
  readonly metrics = ['processState', 'cpuPercent', 'memoryMb', 'openFds', 'threads'] as const;
  /** The pid pidusage has a CPU baseline for, through this checker. */
  #sampled: number | undefined;

  async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
    const { pid } = target;
    const facts = readProcFacts(pid);
    const usage = await pidusage(pid).catch(() => undefined);
    const at = context.now();
    const { thresholds } = context;
    if (usage === undefined && facts === undefined) {
      return [failed('processState', 'state', `process ${pid} is gone`, at, 'gone')];
    }
    const metrics: HealthMetric[] = [];
    if (facts === undefined) {
      metrics.push(unknown('processState', 'state', 'no /proc on this system', at));
    } else {
      const described = `${facts.state} (${STATE_NAMES[facts.state] ?? 'unknown state'})`;
      metrics.push(
        BAD_STATES.has(facts.state)
          ? failed('processState', 'state', `process ${pid} is ${described}`, at, facts.state)
          : { ...info('processState', facts.state, 'state', at), message: `process ${pid} is ${described}` },
      );
    }
    if (usage === undefined) {
      metrics.push(unknown('cpuPercent', 'percent', 'pidusage could not read the process', at));
      metrics.push(unknown('memoryMb', 'MiB', 'pidusage could not read the process', at));
    } else {
      metrics.push(rated('cpuPercent', this.#cpuPercent(pid, usage), 'percent', thresholds.cpuPercent, at));
      metrics.push(rated('memoryMb', usage.memory / MIB, 'MiB', thresholds.memoryMb, at));
    }
    if (facts !== undefined) {
      metrics.push(
        facts.openFds === null
          ? unknown('openFds', 'count', `/proc/${pid}/fd is not readable`, at)
          : rated('openFds', facts.openFds, 'count', thresholds.openFds, at),
      );
      metrics.push(rated('threads', facts.threads, 'count', thresholds.threads, at));
    }
    return metrics;
  }

  /**
   * CPU since the previous look. pidusage's first reading of a pid has no baseline and
   * says 0 %, which would call a process spinning since its start idle: the first look
   * takes the average over the process's life instead.
   */
  #cpuPercent(pid: number, usage: pidusage.Status): number {
    const first = this.#sampled !== pid;
    this.#sampled = pid;
    if (!first) return usage.cpu;
    return usage.elapsed > 0 ? (100 * usage.ctime) / usage.elapsed : 0;
  }

  // No close(): pidusage.clear() is global and leaves the descriptors it keeps on
  // /proc/PID/stat open; left alone, pidusage closes each one a minute after its last use.
}
