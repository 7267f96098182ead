import { expect } from '@jest/globals';
import type { HealthCheckResult } from '@mpm/health';
import { RecoveryManager, type ActionStarted, type BreakerTransition, type RecoveryEvent, type RecoverySettings } from '../../src/index.js';
import { FakeClock } from '../../../../test/helpers/fake-clock.js';
import { FakeHost } from '../fake-host.js';
import { SETTINGS } from '../settings.js';
import { PID } from '../results.js';

const running: RecoveryManager[] = [];
/** What the managers told onError; a test that expects a bug takes it out of here. */
export const errors: unknown[] = [];

/** For afterEach: closes the managers the test made, and fails it on a bug it did not expect. */
export function closeManagers(): void {
  for (const manager of running.splice(0)) manager.close();
  // A bug in recovery itself surfaces here rather than as a silently dropped action.
  expect(errors).toEqual([]);
  errors.splice(0);
}

/** A manager over a FakeHost and a FakeClock, with everything it tells recorded in `seen`. */
export function setup(settings: RecoverySettings = SETTINGS) {
  const clock = new FakeClock();
  const host = new FakeHost();
  const manager = new RecoveryManager({ host, settings, clock, onError: (error) => errors.push(error) });
  running.push(manager);
  const seen = { events: [] as RecoveryEvent[], started: [] as ActionStarted[], breaker: [] as BreakerTransition[], gaveUp: [] as string[] };
  manager.on('event', (event) => seen.events.push(event));
  manager.on('started', (started) => seen.started.push(started));
  manager.on('breaker', (transition) => seen.breaker.push(transition));
  manager.on('gaveUp', (reason) => seen.gaveUp.push(reason));

  /** A round of the health monitor against the current child. */
  const check = (make: (at: number, generation: number) => HealthCheckResult): void => manager.handleResult(make(clock.now(), host.generation));
  /** The current child exits. */
  const exit = (options: { uptimeMs?: number; signal?: string; expected?: boolean } = {}): void =>
    manager.handleExit({
      pid: PID,
      generation: host.generation,
      code: options.signal === undefined ? 1 : null,
      signal: options.signal ?? null,
      uptimeMs: options.uptimeMs ?? 50,
      expected: options.expected ?? false,
    });
  const results = (result: RecoveryEvent['result']): RecoveryEvent[] => seen.events.filter((event) => event.result === result);
  return { clock, host, manager, seen, check, exit, results };
}

export type Context = ReturnType<typeof setup>;

/**
 * Quick crashes until the breaker opens: the first child's (it was being verified by
 * nobody, and died under minUptimeMs), then failureThreshold - 1 respawns that each die
 * before they are healthy. So failureThreshold exits and failureThreshold - 1 respawns.
 */
export async function crashUntilOpen(context: Context): Promise<void> {
  const { clock, host, manager, exit } = context;
  for (let crash = 1; manager.breaker.state.kind === 'closed'; crash += 1) {
    if (crash > 20) throw new Error('the breaker never opened');
    exit();
    const plan = host.callsOf('respawn').at(-1)?.plan;
    await clock.advance((plan?.delayMs ?? 0) + 50);
  }
}
