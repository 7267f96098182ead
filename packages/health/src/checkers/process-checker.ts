import { CLOCK_TICKS_PER_SECOND } from '@mpm/system';
import pidusage from 'pidusage';
import type { CheckContext, HealthChecker } from '../checker.js';
import { failed, info, rated, unknown, type HealthMetric } from '../metric.js';
import type { HealthTarget } from '../target.js';
import { readProcFacts, STATE_NAMES, systemUptimeSeconds, type ProcFacts } from './proc.js';

const MIB = 1024 * 1024;
/** A stopped or zombie process serves nobody: critical (docs/design.md §3). */
const BAD_STATES = new Set(['T', 't', 'Z', 'X']);
/** CPU baselines kept: a checker follows one child at a time, and a few recent ones. */
const BASELINES_KEPT = 8;

/**
 * The child as the kernel sees it: process state, CPU %, RSS, open descriptors and threads
 * from /proc. Where there is no /proc (not Linux), CPU and RSS come from pidusage.
 *
 * On Linux pidusage is not used: it keeps /proc/PID/stat open for a minute after the last
 * reading, and an error on that kept descriptor (the pid died) keeps it from being
 * renewed. A new child that got the same pid within that minute would then read as
 * unknown at every round, and its memory limit would never act.
 */
export class ProcessChecker implements HealthChecker {
  readonly name = 'process';
  readonly probe = false;
  readonly metrics = ['processState', 'cpuPercent', 'memoryMb', 'openFds', 'threads'] as const;
  readonly #cpu = new CpuMeter();
  /** The pid pidusage has a CPU baseline for, through this checker (no /proc only). */
  #sampled: number | undefined;

  async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
    const { pid } = target;
    const facts = readProcFacts(pid);
    const at = context.now();
    return facts === undefined ? this.#withoutProc(pid, context) : this.#fromProc(pid, facts, context, at);
  }

  #fromProc(pid: number, facts: ProcFacts, context: CheckContext, at: number): HealthMetric[] {
    const { thresholds } = context;
    const described = `${facts.state} (${STATE_NAMES[facts.state] ?? 'unknown state'})`;
    const metrics: HealthMetric[] = [
      BAD_STATES.has(facts.state)
        ? failed('processState', 'state', `process ${pid} is ${described}`, at, facts.state)
        : { ...info('processState', facts.state, 'state', at), message: `process ${pid} is ${described}` },
      rated('cpuPercent', this.#cpu.percent(pid, facts, at), 'percent', thresholds.cpuPercent, at),
      facts.rssBytes === null ? unknown('memoryMb', 'MiB', `/proc/${pid}/status shows no resident memory`, at) : rated('memoryMb', facts.rssBytes / MIB, 'MiB', thresholds.memoryMb, at),
      facts.openFds === null ? unknown('openFds', 'count', `/proc/${pid}/fd is not readable`, at) : rated('openFds', facts.openFds, 'count', thresholds.openFds, at),
      rated('threads', facts.threads, 'count', thresholds.threads, at),
    ];
    return metrics;
  }

  async #withoutProc(pid: number, context: CheckContext): Promise<HealthMetric[]> {
    const usage = await pidusage(pid).catch(() => undefined);
    const at = context.now();
    if (usage === undefined) return [failed('processState', 'state', `process ${pid} is gone`, at, 'gone')];
    const { thresholds } = context;
    return [
      unknown('processState', 'state', 'no /proc on this system', at),
      rated('cpuPercent', this.#pidusageCpu(pid, usage), 'percent', thresholds.cpuPercent, at),
      rated('memoryMb', usage.memory / MIB, 'MiB', thresholds.memoryMb, at),
    ];
  }

  /** pidusage's first reading of a pid has no baseline and says 0 %: the life average instead. */
  #pidusageCpu(pid: number, usage: pidusage.Status): number {
    const first = this.#sampled !== pid;
    this.#sampled = pid;
    if (!first) return usage.cpu;
    return usage.elapsed > 0 ? (100 * usage.ctime) / usage.elapsed : 0;
  }
}

/**
 * CPU % of one core since the previous look at the same pid. The first look at a pid has
 * no baseline: it takes the average over the process's life, so that a process spinning
 * since its start is not called idle.
 */
class CpuMeter {
  readonly #last = new Map<number, { readonly ticks: number; readonly at: number; readonly startTicks: number }>();

  percent(pid: number, facts: ProcFacts, at: number): number {
    const last = this.#last.get(pid);
    this.#last.delete(pid);
    this.#last.set(pid, { ticks: facts.cpuTicks, at, startTicks: facts.startTicks });
    if (this.#last.size > BASELINES_KEPT) this.#last.delete(this.#last.keys().next().value as number);
    // The same pid with another start time is another process: no baseline.
    if (last !== undefined && last.startTicks === facts.startTicks && at > last.at) {
      return (100 * (facts.cpuTicks - last.ticks)) / CLOCK_TICKS_PER_SECOND / ((at - last.at) / 1000);
    }
    const uptime = systemUptimeSeconds();
    const lifeSeconds = uptime === undefined ? 0 : uptime - facts.startTicks / CLOCK_TICKS_PER_SECOND;
    return lifeSeconds > 0 ? (100 * facts.cpuTicks) / CLOCK_TICKS_PER_SECOND / lifeSeconds : 0;
  }
}
