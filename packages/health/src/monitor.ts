import { BreachCounter } from './breaches.js';
import type { HealthChecker } from './checker.js';
import { systemClock, type Clock, type TimerHandle } from '@mpm/system';
import { HealthHistory, type WindowAggregate } from './history.js';
import { applyMemoryLimit } from './memory-limit.js';
import type { HealthMetric } from './metric.js';
import { causesOf, type CheckerResult, type HealthCheckResult } from './result.js';
import { runChecker } from './run-checker.js';
import { asStarting, StartupGate } from './startup.js';
import { worstOf, type HealthStatus } from './status.js';
import type { HealthTarget } from './target.js';
import type { Thresholds } from './thresholds.js';

/** The `health.*` settings (and `child.startupTimeoutMs`) the monitor runs with. */
export interface MonitorSettings {
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
  readonly failureThreshold: number;
  readonly historySize: number;
  readonly startupTimeoutMs: number;
  readonly thresholds: Thresholds;
  /** child.maxMemoryMb: over it, memoryMb is critical at once (null or absent: no limit). */
  readonly memoryLimitMb?: number | null;
  /** Checkers turned off by name (health.checks.*.enabled false): not run, not shown. */
  readonly disabledCheckers?: readonly string[];
}

export interface StatusChange {
  readonly from: HealthStatus;
  readonly to: HealthStatus;
  readonly result: HealthCheckResult;
  /** The metrics that made the new status, worst first; empty when it is healthy. */
  readonly causes: readonly HealthMetric[];
}

export interface HealthMonitorOptions {
  readonly checkers: readonly HealthChecker[];
  readonly settings: MonitorSettings;
  readonly clock?: Clock;
  /**
   * While a new child is not ready, rounds come at least this often, so that readiness
   * is noticed soon after it happens rather than up to a whole interval later.
   */
  readonly startupPollMs?: number;
  /** A result or status listener threw; the monitor goes on. */
  readonly onListenerError?: (error: unknown) => void;
}

type Listener<T> = (value: T) => void;

/** One watched child: its own startup gate, breach runs and last status. */
interface Session {
  readonly target: HealthTarget;
  readonly gate: StartupGate;
  readonly breaches: BreachCounter;
  status: HealthStatus;
  timer: TimerHandle | undefined;
  inFlight: Promise<HealthCheckResult | undefined> | undefined;
  lastRoundAt: number | undefined;
  /** Aborted when the child stops being watched, so that its probes end at once. */
  readonly stop: AbortController;
}

const DEFAULT_STARTUP_POLL_MS = 500;

/**
 * A probe may take probeTimeoutMs, but never longer than the interval: rounds do not
 * overlap, so a probe that outlasts the interval would stretch every round of a hung
 * child to probeTimeoutMs, and failureThreshold rounds would take far longer than
 * failureThreshold intervals (at 1 s and the default 2 s timeout: 6 s instead of 3).
 */
export function effectiveProbeTimeoutMs(settings: Pick<MonitorSettings, 'intervalMs' | 'probeTimeoutMs'>): number {
  return Math.min(settings.probeTimeoutMs, settings.intervalMs);
}

/** A checker's timeout (its own, or the probe timeout) and the thresholds, for one round. */
function runSettingsFor(checker: HealthChecker, settings: MonitorSettings): { probeTimeoutMs: number; thresholds: MonitorSettings['thresholds'] } {
  const probeTimeoutMs = checker.timeoutMs === undefined ? settings.probeTimeoutMs : checker.timeoutMs;
  return { probeTimeoutMs: effectiveProbeTimeoutMs({ probeTimeoutMs, intervalMs: settings.intervalMs }), thresholds: settings.thresholds };
}

/** The failureThreshold of each metric whose checker has its own. */
function ownThresholds(checkers: readonly HealthChecker[]): ReadonlyMap<string, number> {
  const own = new Map<string, number>();
  for (const checker of checkers) {
    if (checker.failureThreshold === undefined) continue;
    for (const name of checker.metrics) own.set(name, checker.failureThreshold);
  }
  return own;
}

/**
 * Runs every checker against the current child each `intervalMs` (docs/design.md §2, §3), keeps
 * the history, and tells listeners about each result and each change of status. A round
 * never overlaps the previous one; a round for a child that is gone is thrown away.
 */
export class HealthMonitor {
  #checkers: readonly HealthChecker[];
  readonly #clock: Clock;
  readonly #startupPollMs: number;
  readonly #onListenerError: (error: unknown) => void;
  readonly #resultListeners = new Set<Listener<HealthCheckResult>>();
  readonly #changeListeners = new Set<Listener<StatusChange>>();
  #settings: MonitorSettings;
  #history: HealthHistory;
  #session: Session | undefined;

  constructor(options: HealthMonitorOptions) {
    this.#checkers = [...options.checkers];
    this.#clock = options.clock ?? systemClock;
    this.#startupPollMs = options.startupPollMs ?? DEFAULT_STARTUP_POLL_MS;
    this.#onListenerError = options.onListenerError ?? (() => undefined);
    this.#settings = Object.freeze({ ...options.settings });
    this.#history = new HealthHistory(options.settings.historySize);
  }

  get settings(): MonitorSettings {
    return this.#settings;
  }

  /** The child being watched, if any. */
  get target(): HealthTarget | undefined {
    return this.#session?.target;
  }

  /** The current child's status: `starting` until its first result, `unknown` when none is watched. */
  get status(): HealthStatus {
    return this.#session?.status ?? 'unknown';
  }

  get latest(): HealthCheckResult | undefined {
    return this.#history.latest;
  }

  /** Oldest first; results of earlier children included. */
  history(): HealthCheckResult[] {
    return this.#history.entries();
  }

  aggregates(): WindowAggregate[] {
    return this.#history.aggregates(this.#clock.now());
  }

  onResult(listener: Listener<HealthCheckResult>): () => void {
    this.#resultListeners.add(listener);
    return () => this.#resultListeners.delete(listener);
  }

  onStatusChange(listener: Listener<StatusChange>): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Starts watching a (new) child; the previous one's rounds stop and their results are dropped. */
  watch(target: HealthTarget): void {
    this.unwatch();
    const session: Session = {
      target,
      gate: new StartupGate(target.startedAt),
      breaches: new BreachCounter(),
      status: 'starting',
      timer: undefined,
      inFlight: undefined,
      lastRoundAt: undefined,
      stop: new AbortController(),
    };
    this.#session = session;
    this.#schedule(session, Math.min(this.#settings.intervalMs, this.#startupPollMs));
  }

  /** Stops watching (the child exited); a round in flight is discarded. */
  unwatch(generation?: number): void {
    const session = this.#session;
    if (session === undefined || (generation !== undefined && session.target.generation !== generation)) return;
    if (session.timer !== undefined) this.#clock.clearTimeout(session.timer);
    this.#session = undefined;
    session.stop.abort();
  }

  /** New settings; the interval applies from the last round, the rest from the next one. */
  update(settings: Partial<MonitorSettings>): void {
    this.#settings = Object.freeze({ ...this.#settings, ...settings });
    this.#history.resize(this.#settings.historySize);
    const session = this.#session;
    if (session?.timer === undefined) return;
    this.#clock.clearTimeout(session.timer);
    const since = session.lastRoundAt ?? session.target.startedAt;
    this.#schedule(session, Math.max(0, since + this.#intervalFor(session) - this.#clock.now()));
  }

  /**
   * Runs one round now (or joins the one in flight). Resolves with its result, or
   * undefined when nothing is watched or the child went away meanwhile.
   */
  runRound(): Promise<HealthCheckResult | undefined> {
    const session = this.#session;
    if (session === undefined) return Promise.resolve(undefined);
    session.inFlight ??= this.#round(session).finally(() => {
      session.inFlight = undefined;
    });
    return session.inFlight;
  }

  /**
   * Another set of checkers from the next round on (a reload changed the user-defined
   * checks). Those left out are closed once no round uses them any more.
   */
  replaceCheckers(checkers: readonly HealthChecker[]): void {
    const dropped = this.#checkers.filter((checker) => !checkers.includes(checker));
    this.#checkers = [...checkers];
    if (dropped.length === 0) return;
    const close = (): void => {
      for (const checker of dropped) checker.close?.();
    };
    const inFlight = this.#session?.inFlight;
    if (inFlight === undefined) close();
    else void inFlight.then(close, close);
  }

  /** Stops for good: no more rounds, checkers release their connections. */
  close(): void {
    this.unwatch();
    for (const checker of this.#checkers) checker.close?.();
  }

  #intervalFor(session: Session): number {
    const { intervalMs } = this.#settings;
    return session.gate.readyAt === undefined ? Math.min(intervalMs, this.#startupPollMs) : intervalMs;
  }

  #schedule(session: Session, delayMs: number): void {
    const timer = this.#clock.setTimeout(() => {
      session.timer = undefined;
      void this.#tick(session);
    }, delayMs);
    timer.unref?.();
    session.timer = timer;
  }

  async #tick(session: Session): Promise<void> {
    if (this.#session !== session) return;
    await this.runRound();
    if (this.#session !== session || session.timer !== undefined) return;
    // Keep the rhythm from the start of the round; a slow round is followed at once.
    const since = session.lastRoundAt ?? this.#clock.now();
    this.#schedule(session, Math.max(0, since + this.#intervalFor(session) - this.#clock.now()));
  }

  async #round(session: Session): Promise<HealthCheckResult | undefined> {
    const settings = this.#settings;
    const started = this.#clock.now();
    session.lastRoundAt = started;
    const target = session.target;
    const disabled = settings.disabledCheckers ?? [];
    const checkers = this.#checkers.filter((checker) => !disabled.includes(checker.name));
    const raw = await Promise.all(checkers.map((checker) => runChecker(checker, target, runSettingsFor(checker, settings), this.#clock, session.stop.signal)));
    if (this.#session !== session) return undefined;

    const now = this.#clock.now();
    const rawMetrics = raw.flatMap((check) => check.metrics);
    const probeAnswered = raw.some((check, index) => checkers[index]?.probe === true && check.metrics.some((metric) => metric.status === 'healthy' || metric.status === 'warning'));
    const evidence = {
      // What a user-defined check sees may be something else (a database): only the child's own say when it is ready.
      raw: raw.flatMap((check) => (check.userDefined === true ? [] : check.metrics)),
      agentReady: target.agent?.ready !== undefined,
      probeAnswered,
      // With every port probe turned off, a known port is nothing to wait for.
      canProbe: (target.address !== undefined && checkers.some((checker) => checker.needsAddress === true)) || target.agent?.present === true,
    };
    const readiness = session.gate.assess(evidence, now, settings.startupTimeoutMs);
    let metrics = applyMemoryLimit(session.breaches.apply(rawMetrics, settings.failureThreshold, ownThresholds(checkers)), settings.memoryLimitMb);
    if (readiness === 'starting') metrics = asStarting(metrics, rawMetrics);

    const result = this.#assemble(raw, metrics, readiness, target, started, now);
    this.#history.push(result);
    const from = session.status;
    session.status = result.status;
    // The change first: what follows from a result (a recovery) reads best after why.
    if (from !== result.status) this.#tell(this.#changeListeners, { from, to: result.status, result, causes: causesOf(result) });
    this.#tell(this.#resultListeners, result);
    return result;
  }

  #assemble(raw: readonly CheckerResult[], metrics: readonly HealthMetric[], readiness: HealthCheckResult['readiness'], target: HealthTarget, started: number, now: number): HealthCheckResult {
    let offset = 0;
    const checks = raw.map((check) => {
      const own = metrics.slice(offset, offset + check.metrics.length);
      offset += check.metrics.length;
      return { ...check, status: check.error === undefined ? worstOf(own.map((metric) => metric.status)) : 'unknown', metrics: own };
    });
    return {
      status: worstOf(metrics.map((metric) => metric.status)),
      readiness,
      pid: target.pid,
      generation: target.generation,
      metrics,
      checks,
      timestamp: started,
      durationMs: now - started,
    };
  }

  #tell<T>(listeners: ReadonlySet<Listener<T>>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}
