import { showNumber } from '@mpm/health';

/** What the leak guard needs to know of the config (memoryMb thresholds, limits, the ladder's pace). */
export interface LeakGuardSettings {
  readonly criticalMb: number;
  /** child.maxMemoryMb, or null. */
  readonly limitMb: number | null;
  /** memory.max of the supervisor's cgroup (which the child shares), or null for none. */
  readonly cgroupMaxMb: number | null;
  readonly checkIntervalMs: number;
  readonly failureThreshold: number;
  readonly minActionIntervalMs: number;
}

/** The line a leak must not cross, and its name for the log. */
export interface HardLine {
  readonly mb: number;
  /** As a log line names it: "750 MiB (1.5 × critical)", "limit 600 MiB (child.maxMemoryMb)". */
  readonly shown: string;
}

/** Where a leak must be stopped: the lowest of child.maxMemoryMb, the cgroup's memory.max and 1.5 × critical. */
export function hardLine(settings: LeakGuardSettings): HardLine {
  const line = (mb: number, shown: (mib: string) => string): HardLine => ({ mb, shown: shown(`${showNumber(mb)} MiB`) });
  const lines: HardLine[] = [line(settings.criticalMb * 1.5, (mib) => `${mib} (1.5 × critical)`)];
  if (settings.limitMb !== null) lines.push(line(settings.limitMb, (mib) => `limit ${mib} (child.maxMemoryMb)`));
  if (settings.cgroupMaxMb !== null) lines.push(line(settings.cgroupMaxMb, (mib) => `${mib} (the cgroup's memory.max)`));
  return lines.reduce((lowest, line) => (line.mb < lowest.mb ? line : lowest));
}

/**
 * The ladder's shortest way from a first critical reading to a restart: failureThreshold
 * rounds to call it critical, then clear_connections and minActionIntervalMs before the
 * next rung. Once a memory rung was taken, only the spacing and a round are left.
 */
export function ladderHorizonMs(settings: LeakGuardSettings, lastRungAt: number | undefined, now: number): number {
  if (lastRungAt === undefined) return settings.failureThreshold * settings.checkIntervalMs + settings.minActionIntervalMs;
  return Math.max(0, lastRungAt + settings.minActionIntervalMs - now) + settings.checkIntervalMs;
}

export interface Forecast {
  readonly valueMb: number;
  readonly slopeMbPerSecond: number;
  readonly line: HardLine;
  /** When the line is crossed at this pace (0: it already is). */
  readonly inMs: number;
  readonly horizonMs: number;
  /** "memoryMb 512 MiB at +24 MiB/s reaches 750 MiB (1.5 × critical) in 9.9 s, before the ladder could restart it (in 25 s)" */
  readonly text: string;
}

/**
 * Whether memory at `valueMb`, moving at `slope` MiB/s, crosses the hard line before the
 * ladder could restart the child. Undefined when it does not, or is not rising.
 */
export function forecastCrossing(valueMb: number, slope: number, line: HardLine, horizonMs: number): Forecast | undefined {
  const now = `memoryMb ${showNumber(valueMb)} MiB`;
  if (valueMb >= line.mb) {
    return { valueMb, slopeMbPerSecond: slope, line, inMs: 0, horizonMs, text: `${now} ≥ ${line.shown}` };
  }
  if (slope <= 0) return undefined;
  const inMs = ((line.mb - valueMb) / slope) * 1000;
  if (inMs > horizonMs) return undefined;
  const pace = `+${showNumber(slope)} MiB/s`;
  const text = `${now} at ${pace} reaches ${line.shown} in ${seconds(inMs)}, before the ladder could restart it (in ${seconds(horizonMs)})`;
  return { valueMb, slopeMbPerSecond: slope, line, inMs, horizonMs, text };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
