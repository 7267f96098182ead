import type { ChildController, KillEscalatedEvent } from '@mpm/child';
import type { ConfigUpdates } from '@mpm/config';
import { formatDuration } from '@mpm/config';
import type { AgentLink } from '@mpm/health';
import type { ActionOutcome, ClearOutcome, ClearPath, FailureClass, HangReport, RecoveryHost, RespawnPlan, RestartVia } from '@mpm/recovery';

/** What the host needs of the supervisor around the controller. */
export interface HostContext {
  readonly controller: ChildController;
  readonly config: ConfigUpdates;
  /** The agent link of that child, while it is the current one. */
  readonly agentFor: (generation: number) => AgentLink | undefined;
  /** True once the supervisor is on its way out: nothing more is done to the child. */
  readonly isStopping: () => boolean;
  /** Stop the child and exit with 75. */
  readonly giveUp: (reason: string) => void;
  /** A hang report on a hung child, bounded in time; undefined when forensics are off. */
  readonly hangReport?: (pid: number, generation: number) => Promise<HangReport | undefined>;
}

/**
 * Recovery's actions, done to the child process (docs/design.md §4): clear_connections over the
 * agent's IPC or by signal, a graceful restart by IPC or stop signal, an emergency
 * SIGKILL, a respawn after a crash. Each refuses when the child it was meant for is no
 * longer the current one, so a late decision never hits its successor.
 */
export class ChildRecoveryHost implements RecoveryHost {
  readonly #context: HostContext;

  constructor(context: HostContext) {
    this.#context = context;
  }

  clearPath(generation: number): ClearPath {
    if (this.#context.agentFor(generation)?.present === true) return 'ipc';
    return this.#context.config.current.child.clearConnectionsSignal === null ? null : 'signal';
  }

  async clearConnections(generation: number, path: Exclude<ClearPath, null>): Promise<ClearOutcome> {
    const gone = this.#gone(generation);
    if (gone !== undefined) return { kind: 'failed', reason: gone };
    const config = this.#context.config.current;
    if (path === 'signal') {
      const signal = config.child.clearConnectionsSignal;
      if (signal === null) return { kind: 'failed', reason: 'child.clearConnectionsSignal is no longer set' };
      return this.#context.controller.signal(signal) ? { kind: 'signalled', signal } : { kind: 'failed', reason: `could not send ${signal} to the child` };
    }
    const link = this.#context.agentFor(generation);
    if (link === undefined) return { kind: 'failed', reason: 'the agent link of that child is gone' };
    const outcome = await link.clearConnections(config.health.probeTimeoutMs);
    switch (outcome.kind) {
      case 'ack':
        return { kind: 'cleared', disconnected: outcome.disconnected };
      case 'timeout':
        return { kind: 'failed', reason: `the agent did not acknowledge clear-connections within ${outcome.afterMs} ms` };
      case 'unavailable':
        return { kind: 'failed', reason: `no IPC to the child: ${outcome.reason}` };
    }
  }

  async restart(generation: number, via: RestartVia): Promise<ActionOutcome> {
    const gone = this.#gone(generation);
    if (gone !== undefined) return { done: false, reason: gone };
    const { controller, config } = this.#context;
    const { stopSignal, killTimeoutMs } = config.current.child;
    const link = via === 'message' ? this.#context.agentFor(generation) : undefined;
    const asked = link?.present === true;
    const request = asked ? () => link.shutdown(killTimeoutMs) : undefined;
    const escalated = this.#watchKill(generation);
    let killed: string;
    try {
      await controller.restart('recovery', { request });
    } finally {
      killed = escalated.after();
    }
    const how = asked ? 'asked the agent over IPC to shut down' : `${stopSignal} to the process group`;
    return { done: true, detail: `${how}${killed}; ${this.#successor()}` };
  }

  /** A hung child is looked at first (hang forensics, at most recovery.forensics.timeoutMs), then killed. */
  async emergencyStop(generation: number, failureClass: FailureClass): Promise<ActionOutcome> {
    const gone = this.#gone(generation);
    if (gone !== undefined) return { done: false, reason: gone };
    const hangReport = failureClass === 'hung' ? await this.#hangReport(generation) : undefined;
    // The report took time: the child may have died and been replaced meanwhile, and its successor is no target.
    const goneSince = this.#gone(generation);
    if (goneSince !== undefined) return { done: false, reason: goneSince };
    await this.#context.controller.kill('recovery', 'restart');
    const detail = `SIGKILL to the process group at once; ${this.#successor()}`;
    return hangReport === undefined ? { done: true, detail } : { done: true, detail, hangReport };
  }

  respawn(plan: RespawnPlan): boolean {
    if (this.#context.isStopping()) return false;
    return this.#context.controller.respawn(plan);
  }

  giveUp(reason: string): void {
    this.#context.giveUp(reason);
  }

  /** Never throws: the kill goes ahead whatever happens here. */
  async #hangReport(generation: number): Promise<HangReport | undefined> {
    const pid = this.#context.controller.pid;
    const take = this.#context.hangReport;
    if (take === undefined || pid === undefined) return undefined;
    try {
      return await take(pid, generation);
    } catch (error) {
      return { kind: 'unavailable', reason: `the hang report failed: ${error instanceof Error ? error.message : String(error)}`, tookMs: 0 };
    }
  }

  /** Why an action for this generation must not run, or undefined when it may. */
  #gone(generation: number): string | undefined {
    const { controller } = this.#context;
    if (this.#context.isStopping()) return 'the supervisor is stopping';
    if (controller.generation !== generation || controller.state.kind !== 'running') return `child generation ${generation} is no longer running`;
    return undefined;
  }

  /** Notes whether the stop had to end in SIGKILL, for the record. */
  #watchKill(generation: number): { after: () => string } {
    const { controller } = this.#context;
    let kill: KillEscalatedEvent | undefined;
    const onKill = (event: KillEscalatedEvent): void => {
      if (event.generation === generation) kill = event;
    };
    controller.on('killEscalated', onKill);
    return {
      after: () => {
        controller.off('killEscalated', onKill);
        return kill === undefined ? '' : `, SIGKILL after ${formatDuration(kill.afterMs)}`;
      },
    };
  }

  #successor(): string {
    const { controller } = this.#context;
    const pid = controller.pid;
    return pid === undefined ? `the child is ${controller.state.kind}` : `new child ${pid}`;
  }
}
