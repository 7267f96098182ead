import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type HealthCheckResult } from '@mpm/health';
import { ActionSlot, type PendingAction } from './action-slot.js';
import type { RecoveryAction } from './actions.js';
import type { BreakerStateKind, BreakerTransition } from './breaker/breaker-state.js';
import { CircuitBreaker } from './breaker/circuit-breaker.js';
import { CrashBackoff } from './crash-backoff.js';
import { DecisionLog, decisionFields } from './decision-log.js';
import { diagnose, diagnoseExit, type ExitFacts } from './diagnose.js';
import type { RecoveryEvent, RecoveryResult, SkipReason } from './event.js';
import type { Diagnosis } from './failure-class.js';
import { countsAsHealthy } from './healthy.js';
import type { ActionOutcome, ClearPath, RecoveryHost } from './host.js';
import { stillClimbing } from './leaks/course.js';
import { LeakGuard, type MemorySample } from './leaks/leak-guard.js';
import type { RecoverySettings } from './settings.js';
import { GradedRecoveryStrategy, logOnlyDetail } from './strategy/graded-strategy.js';

/** An action as it starts: the record it will become, without its verdict. */
export type ActionStarted = Omit<RecoveryEvent, 'result' | 'skip' | 'durationMs'>;

export interface RecoveryManagerEvents {
  /** An action that touches the child has started. */
  started: [ActionStarted];
  /** A decision has its verdict: every one is told here, blocked and skipped ones too. */
  event: [RecoveryEvent];
  breaker: [BreakerTransition];
  /** maxOpenCycles opens in a row: the host is told to stop the child and exit 75. */
  gaveUp: [string];
}

export interface RecoveryManagerOptions {
  readonly host: RecoveryHost;
  readonly settings: RecoverySettings;
  readonly clock?: Clock;
  /** How many finished decisions are kept for /events. */
  readonly keepEvents?: number;
  /** A bug in recovery itself: told here, and the action under way is dropped. */
  readonly onError?: (error: unknown) => void;
}

/** A crashed child waiting for the breaker to let it be respawned. */
interface Down {
  readonly diagnosis: Diagnosis;
  readonly uptimeMs: number;
  blockedRecorded: boolean;
}

const DEFAULT_KEEP_EVENTS = 200;

/**
 * Takes every health result and every unexpected exit, asks the strategy what to do and
 * the breaker whether now, has the host (the child controller) do it, verifies that it
 * worked, and records a RecoveryEvent for each decision (docs/design.md §2, §4). Pure of process
 * code: time comes from the clock, and everything done to the child goes through the host.
 */
export class RecoveryManager extends EventEmitter<RecoveryManagerEvents> {
  readonly breaker: CircuitBreaker;
  readonly #host: RecoveryHost;
  readonly #clock: Clock;
  readonly #strategy: GradedRecoveryStrategy;
  readonly #backoff: CrashBackoff;
  readonly #log: DecisionLog;
  readonly #leaks = new LeakGuard();
  readonly #onError: (error: unknown) => void;
  #settings: RecoverySettings;
  #nextId = 1;
  readonly #slot: ActionSlot;
  #down: Down | undefined;
  #gaveUp = false;
  #closed = false;
  /** The open during which a blocked decision was last recorded. */
  #blockedInOpenSince: number | undefined;
  readonly #stopFollowingBreaker: () => void;

  constructor(options: RecoveryManagerOptions) {
    super();
    this.#host = options.host;
    this.#clock = options.clock ?? systemClock;
    this.#slot = new ActionSlot(this.#clock);
    this.#settings = options.settings;
    this.#log = new DecisionLog(options.keepEvents ?? DEFAULT_KEEP_EVENTS);
    this.#onError = options.onError ?? (() => undefined);
    this.#strategy = new GradedRecoveryStrategy(options.settings);
    this.#backoff = new CrashBackoff(options.settings.crashBackoff);
    this.breaker = new CircuitBreaker(options.settings.circuitBreaker, this.#clock);
    this.#stopFollowingBreaker = this.breaker.onTransition((transition) => this.#onBreaker(transition));
  }

  get settings(): RecoverySettings {
    return this.#settings;
  }

  /** Finished decisions, oldest first. */
  get events(): readonly RecoveryEvent[] {
    return this.#log.events;
  }

  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  /** True while an action is under way or waiting to be verified. */
  get busy(): boolean {
    return this.#slot.held !== undefined;
  }

  /** New settings (a reload); the breaker keeps its state, the history is kept. */
  update(settings: RecoverySettings): void {
    this.#settings = settings;
    this.#strategy.update(settings);
    this.#backoff.update(settings.crashBackoff);
    this.breaker.update(settings.circuitBreaker);
  }

  /** Every round of the health monitor. */
  handleResult(result: HealthCheckResult): void {
    if (this.#closed || this.#gaveUp) return;
    const healthy = countsAsHealthy(result, this.#settings.checkCeilings);
    const verifying = this.#slot.held;
    if (verifying?.deadline !== undefined && result.generation >= verifying.fromGeneration) {
      const now = this.#clock.now();
      const climbing = healthy ? undefined : stillClimbing(verifying, result);
      if (healthy) this.#conclude(verifying, 'succeeded', `healthy again ${now - verifying.decidedAt} ms after the decision`);
      else if (now >= verifying.deadline || climbing !== undefined) this.#conclude(verifying, 'failed', climbing ?? this.#notHealthyInTime());
    }
    if (this.#gaveUp) return;
    if (healthy) {
      this.breaker.recordHealthyCheck();
      // A threshold warning, or a check that may only be logged, is healthy enough for the breaker, and still worth a line.
      if (result.status === 'healthy') return;
    }
    const diagnosis = diagnose(result, this.#settings.checkCeilings);
    // A vanished process is the exit's business: its report follows within moments.
    if (diagnosis === undefined || diagnosis.failureClass === 'crashed') return;
    this.#consider(diagnosis).catch((error: unknown) => this.#onError(error));
  }

  /**
   * A quick reading of the child's memory between rounds (LeakGuard): a clear_connections memory
   * keeps climbing through has failed now, not at verifyTimeoutMs; a leak that would cross its
   * hard line before the ladder could restart the child is restarted at once, gracefully.
   */
  handleMemorySample(sample: MemorySample): void {
    const settings = this.#settings.leaks;
    if (this.#closed || this.#gaveUp || settings === undefined) return;
    const held = this.#slot.held;
    const verdict = this.#leaks.judge(sample, settings, held, this.#log.lastRungFor('memoryMb', sample.at - this.#settings.failureWindowMs));
    if (held !== undefined && verdict.failed !== undefined) this.#conclude(held, 'failed', verdict.failed);
    const diagnosis = verdict.restart;
    if (diagnosis === undefined || this.#gaveUp) return;
    const busy = this.#slot.held;
    if (busy !== undefined) {
      // A restart or kill under way already replaces the child.
      if (busy.action !== 'clear_connections') return;
      this.#conclude(busy, 'failed', `overtaken by the leak: ${diagnosis.reason}`);
      if (this.#gaveUp) return;
    }
    this.#leaks.settle(sample.generation);
    if (!this.#settings.enabled) {
      this.#record(diagnosis, 'restart_service', 'skipped', 'recovery is disabled (--no-recovery): would have done restart_service', sample.at, 'disabled');
      return;
    }
    this.#act(diagnosis, 'restart_service', null, this.#clock.now()).catch((error: unknown) => this.#onError(error));
  }

  /** Every exit of the child; the expected ones (stop, restart) are none of recovery's business. */
  handleExit(exit: ExitFacts & { readonly expected: boolean }): void {
    if (this.#closed || this.#gaveUp || exit.expected) return;
    const verifying = this.#slot.held;
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
    const { minUptimeMs } = this.#settings.crashBackoff;
    if (verifying !== undefined && exit.generation >= verifying.actedOn) {
      this.#conclude(verifying, 'failed', `the child ${how} before it was healthy again`);
      if (this.#gaveUp) return;
    } else if (this.#settings.enabled && exit.uptimeMs < minUptimeMs) {
      // Healthy for a moment and gone again is a crash loop too: it must reach the breaker.
      this.breaker.recordFailure(`child ${exit.pid} ${how} ${exit.uptimeMs} ms after it started (under child.minUptimeMs, ${minUptimeMs} ms)`);
      if (this.#gaveUp) return;
    }
    this.#failedAfterTrial(`the child ${how}`);
    if (this.#gaveUp) return;
    this.#down = { diagnosis: diagnoseExit(exit), uptimeMs: exit.uptimeMs, blockedRecorded: false };
    this.#respawnIfAllowed();
  }

  /** Stops timers; nothing more is decided. */
  close(): void {
    this.#closed = true;
    this.#slot.releaseAny();
    this.#stopFollowingBreaker();
    this.breaker.dispose();
  }

  async #consider(diagnosis: Diagnosis): Promise<void> {
    const now = this.#clock.now();
    const decision = this.#strategy.decide({ diagnosis, history: this.#log.history, now, verifying: this.#slot.held !== undefined });
    if (decision.kind === 'hold') return;
    const { action } = decision;
    if (action === 'log_warning') {
      this.#record(diagnosis, action, 'succeeded', logOnlyDetail(diagnosis, decision.atCeiling), now);
      return;
    }
    if (!this.#settings.enabled) {
      this.#record(diagnosis, action, 'skipped', `recovery is disabled (--no-recovery): would have done ${action}`, now, 'disabled');
      return;
    }
    let path: ClearPath = null;
    if (action === 'clear_connections') {
      path = this.#host.clearPath(diagnosis.generation);
      if (path === null) {
        this.#record(diagnosis, action, 'skipped', 'no agent answers over IPC and child.clearConnectionsSignal is not set: climbing a rung', now, 'unavailable');
        return this.#consider(diagnosis);
      }
    }
    return this.#act(diagnosis, action, path, now);
  }

  /** An action that touches the child, once the breaker allows it: done, then verified. */
  async #act(diagnosis: Diagnosis, action: RecoveryAction, path: ClearPath, now: number): Promise<void> {
    this.#failedAfterTrial(`${diagnosis.failureClass}: ${diagnosis.reason}`);
    if (this.#gaveUp) return;
    const permit = this.breaker.permit();
    if (!permit.allowed) {
      // One record per open: the breaker's own record already says how long it lasts.
      const state = this.breaker.state;
      const since = state.kind === 'open' ? state.since : undefined;
      if (since === undefined || since !== this.#blockedInOpenSince) this.#record(diagnosis, action, 'blocked', `${permit.reason}; the child is left as it is`, now);
      this.#blockedInOpenSince = since;
      return;
    }
    const verifying = this.#begin(diagnosis, action, diagnosis.generation, now, permit.trial ? 'trial of half_open' : '');
    try {
      await this.#perform(verifying, path);
    } catch (error) {
      // A bug, not an outcome: drop this action (only this one) so that recovery goes on.
      if (this.#slot.release(verifying) && verifying.breaker === 'half_open') this.breaker.returnTrial();
      throw error;
    }
  }

  async #perform(verifying: PendingAction, path: ClearPath): Promise<void> {
    const { action, diagnosis } = verifying;
    const generation = diagnosis.generation;
    if (action === 'clear_connections' && path !== null) {
      const outcome = await this.#host.clearConnections(generation, path).catch((error: unknown) => ({ kind: 'failed' as const, reason: messageOf(error) }));
      if (this.#slot.held !== verifying) return;
      if (outcome.kind === 'failed') {
        this.#conclude(verifying, 'failed', outcome.reason);
        return;
      }
      const detail = outcome.kind === 'cleared' ? `the agent disconnected ${outcome.disconnected} client(s)` : `sent ${outcome.signal} to the child`;
      this.#verify(verifying, generation, detail);
      return;
    }
    let outcome: ActionOutcome;
    try {
      outcome = action === 'emergency_stop' ? await this.#host.emergencyStop(generation, diagnosis.failureClass) : await this.#host.restart(generation, diagnosis.restartVia);
    } catch (error) {
      outcome = { done: false, reason: messageOf(error) };
    }
    if (this.#slot.held !== verifying) return;
    if (!outcome.done) {
      this.#skipStale(verifying, outcome.reason);
      return;
    }
    verifying.hangReport = outcome.hangReport;
    this.#verify(verifying, generation + 1, outcome.detail);
  }

  /**
   * half_open's trial action is over and seemed to work, but the child failed again before
   * successThreshold healthy checks: that is the one failure that opens the breaker again.
   * Without it the trial stays taken, and every later action is blocked for good.
   */
  #failedAfterTrial(how: string): void {
    const state = this.breaker.state;
    if (this.#slot.held !== undefined || state.kind !== 'half_open' || state.trial !== 'taken') return;
    this.breaker.recordFailure(`failed again after the half-open trial, before successThreshold healthy checks: ${how}`);
  }

  #respawnIfAllowed(): void {
    const down = this.#down;
    if (down === undefined || this.#closed || this.#gaveUp) return;
    const { diagnosis } = down;
    const now = this.#clock.now();
    if (this.#settings.enabled) {
      const permit = this.breaker.permit();
      if (!permit.allowed) {
        // One record per wait: nothing else happens while the child is down.
        if (!down.blockedRecorded) this.#record(diagnosis, 'restart_service', 'blocked', `${permit.reason}; the child stays down until then`, now);
        down.blockedRecorded = true;
        return;
      }
    }
    this.#down = undefined;
    const plan = this.#backoff.next(down.uptimeMs);
    const verifying = this.#begin(diagnosis, 'restart_service', diagnosis.generation, now, `respawn ${plan.delayMs === 0 ? 'at once' : `in ${plan.delayMs} ms`} (attempt ${plan.attempt})`);
    if (!this.#host.respawn(plan)) {
      this.#skipStale(verifying, 'there is no exited child to respawn (the supervisor is stopping)');
      return;
    }
    verifying.detail = `respawned ${plan.delayMs === 0 ? 'at once' : `after ${plan.delayMs} ms`} (attempt ${plan.attempt})${this.#settings.enabled ? '' : '; recovery is disabled, so no circuit breaker'}`;
    this.#verifyUntil(verifying, diagnosis.generation + 1, now + plan.delayMs + this.#settings.verifyTimeoutMs);
  }

  #begin(diagnosis: Diagnosis, action: RecoveryAction, actedOn: number, now: number, detail: string): PendingAction {
    const verifying: PendingAction = {
      id: this.#nextId++,
      decidedAt: now,
      diagnosis,
      action,
      breaker: this.breaker.state.kind,
      actedOn,
      fromGeneration: actedOn,
      deadline: undefined,
      timer: undefined,
      detail,
      course: {},
      countsForBreaker: this.#settings.enabled,
    };
    this.#slot.hold(verifying);
    this.emit('started', { ...decisionFields(verifying.id, diagnosis, action, now), breaker: verifying.breaker, detail });
    return verifying;
  }

  #verify(verifying: PendingAction, fromGeneration: number, detail: string): void {
    verifying.detail = detail;
    this.#verifyUntil(verifying, fromGeneration, this.#clock.now() + this.#settings.verifyTimeoutMs);
  }

  #verifyUntil(verifying: PendingAction, fromGeneration: number, deadline: number): void {
    this.#slot.verify(verifying, fromGeneration, deadline, () => this.#conclude(verifying, 'failed', this.#notHealthyInTime()));
  }

  #conclude(verifying: PendingAction, result: 'succeeded' | 'failed', how: string): void {
    if (!this.#slot.release(verifying)) return;
    const detail = verifying.detail === '' ? how : `${verifying.detail}; ${how}`;
    this.#finish(verifying.id, verifying.diagnosis, verifying.action, result, detail, verifying.decidedAt, verifying.breaker, { hangReport: verifying.hangReport });
    if (verifying.countsForBreaker && result === 'failed') this.breaker.recordFailure(`${verifying.action} for ${verifying.diagnosis.failureClass}: ${how}`);
  }

  /** The action could not be done to the child it was meant for; a half-open trial is handed back. */
  #skipStale(verifying: PendingAction, reason: string): void {
    this.#slot.release(verifying);
    if (verifying.breaker === 'half_open') this.breaker.returnTrial();
    this.#finish(verifying.id, verifying.diagnosis, verifying.action, 'skipped', reason, verifying.decidedAt, verifying.breaker, { skip: 'stale' });
  }

  #record(diagnosis: Diagnosis, action: RecoveryAction, result: RecoveryResult, detail: string, at: number, skip?: SkipReason): void {
    this.#finish(this.#nextId++, diagnosis, action, result, detail, at, this.breaker.state.kind, { skip });
  }

  /** `extra`: a skip's reason, a hang report; left out of the record when undefined. */
  #finish(id: number, diagnosis: Diagnosis, action: RecoveryAction, result: RecoveryResult, detail: string, at: number, breaker: BreakerStateKind, extra: Pick<RecoveryEvent, 'skip' | 'hangReport'> = {}): void {
    const { skip, hangReport } = extra;
    const event: RecoveryEvent = {
      ...decisionFields(id, diagnosis, action, at),
      breaker,
      result,
      ...(skip === undefined ? {} : { skip }),
      detail,
      durationMs: Math.max(0, this.#clock.now() - at),
      ...(hangReport === undefined ? {} : { hangReport }),
    };
    this.#log.add(event, at);
    this.emit('event', event);
  }

  #notHealthyInTime(): string {
    return `the child was not healthy within verifyTimeoutMs (${this.#settings.verifyTimeoutMs} ms)`;
  }

  #onBreaker(transition: BreakerTransition): void {
    this.emit('breaker', transition);
    if (transition.exhausted) {
      this.#giveUp(transition.reason);
      return;
    }
    // After the caller that moved the breaker is done: it may be about to use the trial itself.
    if (transition.from.kind === 'open' && transition.to.kind === 'half_open') queueMicrotask(() => this.#respawnIfAllowed());
  }

  #giveUp(reason: string): void {
    if (this.#gaveUp) return;
    this.#gaveUp = true;
    this.#slot.releaseAny();
    this.#down = undefined;
    const max = this.breaker.settings.maxOpenCycles;
    const why = `the circuit breaker opened ${max} time(s) in a row (maxOpenCycles ${max}); the last: ${reason}`;
    this.emit('gaveUp', why);
    this.#host.giveUp(why);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
