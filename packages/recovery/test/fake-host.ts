import type { ActionOutcome, ClearOutcome, ClearPath, FailureClass, HangReport, RecoveryHost, RespawnPlan, RestartVia } from '../src/index.js';

export type HostCall =
  | { readonly kind: 'clearConnections'; readonly generation: number; readonly path: Exclude<ClearPath, null> }
  | { readonly kind: 'restart'; readonly generation: number; readonly via: RestartVia }
  | { readonly kind: 'emergencyStop'; readonly generation: number }
  | { readonly kind: 'respawn'; readonly plan: RespawnPlan }
  | { readonly kind: 'giveUp'; readonly reason: string };

/**
 * A child controller that does everything at once and says so. It keeps the current
 * child's generation: a restart, an emergency stop and a respawn each make a new child.
 */
export class FakeHost implements RecoveryHost {
  readonly calls: HostCall[] = [];
  /** How clear_connections can reach the child. */
  path: ClearPath = 'ipc';
  clearOutcome: ClearOutcome = { kind: 'cleared', disconnected: 12 };
  /** Calls that throw at once, as a bug would (not a rejected promise); they are still listed in `calls`. */
  readonly throwing = new Set<HostCall['kind']>();
  generation: number;
  /** What an emergency stop says it saw of the child, when set. */
  hangReport: HangReport | undefined;
  /** The failure class each emergency stop was told, in order. */
  readonly stopClasses: FailureClass[] = [];

  constructor(generation = 1) {
    this.generation = generation;
  }

  clearPath(_generation: number): ClearPath {
    return this.path;
  }

  clearConnections(generation: number, path: Exclude<ClearPath, null>): Promise<ClearOutcome> {
    this.calls.push({ kind: 'clearConnections', generation, path });
    this.#throwIfAsked('clearConnections');
    return Promise.resolve(this.clearOutcome);
  }

  restart(generation: number, via: RestartVia): Promise<ActionOutcome> {
    this.calls.push({ kind: 'restart', generation, via });
    this.#throwIfAsked('restart');
    this.generation = generation + 1;
    return Promise.resolve({ done: true, detail: `restarted child ${generation} (${via === 'signal' ? 'SIGTERM' : 'mpm:shutdown'})` });
  }

  emergencyStop(generation: number, failureClass: FailureClass): Promise<ActionOutcome> {
    this.calls.push({ kind: 'emergencyStop', generation });
    this.stopClasses.push(failureClass);
    this.#throwIfAsked('emergencyStop');
    this.generation = generation + 1;
    const detail = `SIGKILL to the group of child ${generation}, respawned`;
    return Promise.resolve(this.hangReport === undefined ? { done: true, detail } : { done: true, detail, hangReport: this.hangReport });
  }

  respawn(plan: RespawnPlan): boolean {
    this.calls.push({ kind: 'respawn', plan });
    this.generation += 1;
    return true;
  }

  giveUp(reason: string): void {
    this.calls.push({ kind: 'giveUp', reason });
  }

  #throwIfAsked(kind: HostCall['kind']): void {
    if (this.throwing.has(kind)) throw new Error(`a bug in ${kind}`);
  }

  /** The calls of one kind, in order. */
  callsOf<K extends HostCall['kind']>(kind: K): Extract<HostCall, { kind: K }>[] {
    return this.calls.filter((call): call is Extract<HostCall, { kind: K }> => call.kind === kind);
  }
}
