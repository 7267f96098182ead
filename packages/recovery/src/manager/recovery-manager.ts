import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type HealthCheckResult } from '@mpm/health';
import type { RecoveryAction } from '../actions.js';
import type { BreakerTransition } from '../breaker/breaker-state.js';
import { CircuitBreaker } from '../breaker/circuit-breaker.js';
import { CrashBackoff } from '../crash-backoff.js';
import { DecisionLog, decisionFields } from '../decision-log.js';
import { diagnose, diagnoseExit, type ExitFacts } from '../diagnose.js';
import type { RecoveryEvent, RecoveryResult, SkipReason } from '../event.js';
import type { Diagnosis } from '../failure-class.js';
import { countsAsHealthy } from '../healthy.js';
import type { ClearPath, RecoveryHost } from '../host.js';
import { stillClimbing } from '../leaks/course.js';
import { LeakGuard, type MemorySample } from '../leaks/leak-guard.js';
import type { RecoverySettings } from '../settings.js';
import { GradedRecoveryStrategy, logOnlyDetail } from '../strategy/graded-strategy.js';
import type { RecoveryManagerEvents, RecoveryManagerOptions } from './options.js';
import { perform } from './perform.js';
import { PhaseMachine, type Verification } from './phase-machine.js';
import type { Decision, ManagerPhase } from './phase.js';
import { exitWording, notHealthyInTime, recordOf, respawned, respawnPlanned, type RecordHead } from './records.js';

const DEFAULT_KEEP_EVENTS = 200;

/**
 * Takes every health result and every unexpected exit, asks the strategy what to do and
 * the breaker whether now, has the host (the child controller) do it, verifies that it
 * worked, and records a RecoveryEvent for each decision (docs/design.md §2, §4). Pure of process
 * code: time comes from the clock, and everything done to the child goes through the host.
 * Where it is (watching, acting, verifying, down, gave up, closed) is the PhaseMachine's.
 */
export class RecoveryManager extends EventEmitter<RecoveryManagerEvents> {
  readonly breaker: CircuitBreaker;
  readonly #host: RecoveryHost;
  readonly #clock: Clock;
  readonly #strategy: GradedRecoveryStrategy;
  readonly #backoff: CrashBackoff;
  readonly #log: DecisionLog;
  readonly #leaks = new LeakGuard();
  readonly #phases: PhaseMachine;
  readonly #onError: (error: unknown) => void;
  #settings: RecoverySettings;
  #nextId = 1;
  /** The open during which a blocked decision was last recorded: one record per open, whatever the phases in it. */
  #blockedInOpenSince: number | undefined;
  readonly #stopFollowingBreaker: () => void;

  constructor(options: RecoveryManagerOptions) {
    super();
    this.#host = options.host;
    this.#clock = options.clock ?? systemClock;
    this.#phases = new PhaseMachine(this.#clock);
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
    return this.#phases.phase.kind === 'gaveUp';
  }

  /** True while an action is under way or waiting to be verified. */
  get busy(): boolean {
    return this.#phases.decision !== undefined;
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
    if (this.#phases.over) return;
    const healthy = countsAsHealthy(result, this.#settings.checkCeilings);
    const phase = this.#phases.phase;
    if (phase.kind === 'verifying' && result.generation >= phase.fromGeneration) this.#judge(phase, result, healthy);
    if (this.#phases.over) return;
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
    if (this.#phases.over || settings === undefined) return;
    const phase = this.#phases.phase;
    const verifying = phase.kind === 'verifying' ? phase.decision : undefined;
    const verdict = this.#leaks.judge(sample, settings, verifying, this.#log.lastRungFor('memoryMb', sample.at - this.#settings.failureWindowMs));
    if (verifying !== undefined && verdict.failed !== undefined) this.#conclude(verifying, 'failed', verdict.failed);
    const diagnosis = verdict.restart;
    if (diagnosis === undefined || this.#phases.over) return;
    const busy = this.#phases.decision;
    if (busy !== undefined) {
      // A restart or kill under way already replaces the child.
      if (busy.action !== 'clear_connections') return;
      this.#conclude(busy, 'failed', `overtaken by the leak: ${diagnosis.reason}`);
      if (this.#phases.over) return;
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
    if (this.#phases.over || exit.expected) return;
    const decision = this.#phases.decision;
    const how = exitWording(exit);
    const { minUptimeMs } = this.#settings.crashBackoff;
    if (decision !== undefined && exit.generation >= decision.actedOn) {
      this.#conclude(decision, 'failed', `the child ${how} before it was healthy again`);
      if (this.#phases.over) return;
    } else if (this.#settings.enabled && exit.uptimeMs < minUptimeMs) {
      // Healthy for a moment and gone again is a crash loop too: it must reach the breaker.
      this.breaker.recordFailure(`child ${exit.pid} ${how} ${exit.uptimeMs} ms after it started (under child.minUptimeMs, ${minUptimeMs} ms)`);
      if (this.#phases.over) return;
    }
    this.#failedAfterTrial(`the child ${how}`);
    if (this.#phases.over) return;
    this.#phases.down(diagnoseExit(exit), exit.uptimeMs);
    this.#respawnIfAllowed();
  }

  /** Stops timers; nothing more is decided. */
  close(): void {
    this.#phases.close();
    this.#stopFollowingBreaker();
    this.breaker.dispose();
  }

  /** A result from the child a done action waits on: healthy, still failing, or past the deadline. */
  #judge(phase: Extract<ManagerPhase, { kind: 'verifying' }>, result: HealthCheckResult, healthy: boolean): void {
    const { decision } = phase;
    const now = this.#clock.now();
    if (healthy) {
      this.#conclude(decision, 'succeeded', `healthy again ${now - decision.decidedAt} ms after the decision`);
      return;
    }
    const climb = stillClimbing(decision, phase.course, result);
    if (now >= phase.deadline || climb.failed !== undefined) this.#conclude(decision, 'failed', climb.failed ?? notHealthyInTime(this.#settings.verifyTimeoutMs));
    else this.#phases.follow(decision, climb.course);
  }

  async #consider(diagnosis: Diagnosis): Promise<void> {
    const now = this.#clock.now();
    const decision = this.#strategy.decide({ diagnosis, history: this.#log.history, now, verifying: this.busy });
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
    if (this.#phases.over) return;
    const permit = this.breaker.permit();
    if (!permit.allowed) {
      // One record per open: the breaker's own record already says how long it lasts.
      const state = this.breaker.state;
      const since = state.kind === 'open' ? state.since : undefined;
      if (since === undefined || since !== this.#blockedInOpenSince) this.#record(diagnosis, action, 'blocked', `${permit.reason}; the child is left as it is`, now);
      this.#blockedInOpenSince = since;
      return;
    }
    const decision = this.#begin(diagnosis, action, now, permit.trial ? 'trial of half_open' : '');
    try {
      const performed = await perform(this.#host, decision, path);
      // The answer counts only while its decision is still the one under way.
      if (this.#phases.decision !== decision) return;
      if (performed.kind === 'failed') this.#conclude(decision, 'failed', performed.reason);
      else if (performed.kind === 'stale') this.#skipStale(decision, performed.reason);
      else this.#verify(decision, { ...performed, deadline: this.#clock.now() + this.#settings.verifyTimeoutMs });
    } catch (error) {
      // A bug, not an outcome: drop this action (only this one) so that recovery goes on.
      if (this.#phases.release(decision) !== undefined && decision.breaker === 'half_open') this.breaker.returnTrial();
      throw error;
    }
  }

  /**
   * half_open's trial action is over and seemed to work, but the child failed again before
   * successThreshold healthy checks: that is the one failure that opens the breaker again.
   * Without it the trial stays taken, and every later action is blocked for good.
   */
  #failedAfterTrial(how: string): void {
    const state = this.breaker.state;
    if (this.busy || state.kind !== 'half_open' || state.trial !== 'taken') return;
    this.breaker.recordFailure(`failed again after the half-open trial, before successThreshold healthy checks: ${how}`);
  }

  #respawnIfAllowed(): void {
    const down = this.#phases.phase;
    if (down.kind !== 'down') return;
    const { diagnosis } = down;
    const now = this.#clock.now();
    if (this.#settings.enabled) {
      const permit = this.breaker.permit();
      if (!permit.allowed) {
        // One record per wait: nothing else happens while the child is down.
        if (this.#phases.blockedWhileDown()) this.#record(diagnosis, 'restart_service', 'blocked', `${permit.reason}; the child stays down until then`, now);
        return;
      }
    }
    const plan = this.#backoff.next(down.uptimeMs);
    const decision = this.#begin(diagnosis, 'restart_service', now, respawnPlanned(plan));
    if (!this.#host.respawn(plan)) {
      this.#skipStale(decision, 'there is no exited child to respawn (the supervisor is stopping)');
      return;
    }
    const deadline = now + plan.delayMs + this.#settings.verifyTimeoutMs;
    this.#verify(decision, { fromGeneration: diagnosis.generation + 1, deadline, detail: respawned(plan, this.#settings.enabled) });
  }

  /** A decision that touches the child is taken: the phase is acting, and it is told as started. */
  #begin(diagnosis: Diagnosis, action: RecoveryAction, now: number, detail: string): Decision {
    const breaker = this.breaker.state.kind;
    const decision: Decision = { id: this.#nextId++, decidedAt: now, diagnosis, action, breaker, actedOn: diagnosis.generation, countsForBreaker: this.#settings.enabled };
    this.#phases.act(decision, detail);
    this.emit('started', { ...decisionFields(decision.id, diagnosis, action, now), breaker, detail });
    return decision;
  }

  #verify(decision: Decision, verification: Verification): void {
    this.#phases.verify(decision, verification, () => this.#conclude(decision, 'failed', notHealthyInTime(this.#settings.verifyTimeoutMs)));
  }

  /** The decision's verdict, if it is still the one under way; a failure counts for the breaker. */
  #conclude(decision: Decision, result: 'succeeded' | 'failed', how: string): void {
    const ended = this.#phases.release(decision);
    if (ended === undefined) return;
    const detail = ended.detail === '' ? how : `${ended.detail}; ${how}`;
    this.#finish(decision, result, detail, { hangReport: ended.kind === 'verifying' ? ended.hangReport : undefined });
    if (decision.countsForBreaker && result === 'failed') this.breaker.recordFailure(`${decision.action} for ${decision.diagnosis.failureClass}: ${how}`);
  }

  /** The action could not be done to the child it was meant for; a half-open trial is handed back. */
  #skipStale(decision: Decision, reason: string): void {
    this.#phases.release(decision);
    if (decision.breaker === 'half_open') this.breaker.returnTrial();
    this.#finish(decision, 'skipped', reason, { skip: 'stale' });
  }

  /** A decision that never touched the child: recorded at once, under the breaker's state now. */
  #record(diagnosis: Diagnosis, action: RecoveryAction, result: RecoveryResult, detail: string, at: number, skip?: SkipReason): void {
    this.#finish({ id: this.#nextId++, diagnosis, action, decidedAt: at, breaker: this.breaker.state.kind }, result, detail, { skip });
  }

  #finish(head: RecordHead, result: RecoveryResult, detail: string, extra: Pick<RecoveryEvent, 'skip' | 'hangReport'> = {}): void {
    const event = recordOf(head, result, detail, this.#clock.now(), extra);
    this.#log.add(event, head.decidedAt);
    this.emit('event', event);
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
    if (!this.#phases.giveUp()) return;
    const max = this.breaker.settings.maxOpenCycles;
    const why = `the circuit breaker opened ${max} time(s) in a row (maxOpenCycles ${max}); the last: ${reason}`;
    this.emit('gaveUp', why);
    this.#host.giveUp(why);
  }
}
