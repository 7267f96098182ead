import { describe, expect, it } from '@jest/globals';
import type { Clock } from '@mpm/health';
import { CircuitBreaker, openTimeoutMs, type BreakerSettings, type BreakerState, type BreakerTransition } from '../../src/index.js';
import { FakeClock } from '../../../../test/helpers/fake-clock.js';

const SETTINGS: BreakerSettings = { failureThreshold: 5, failureWindowMs: 300_000, timeoutMs: 300_000, successThreshold: 3, maxOpenCycles: 3 };

/** `late`: the breaker's timers never fire, so only looking at it can move it. */
function setup(settings: BreakerSettings = SETTINGS, late = false) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker(settings, late ? lateTimers(clock) : clock);
  const transitions: BreakerTransition[] = [];
  breaker.onTransition((transition) => transitions.push(transition));
  return { breaker, clock, transitions };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 1; i <= times; i += 1) breaker.recordFailure(`restart ${i} did not help`);
}

function openOf(breaker: CircuitBreaker): Extract<BreakerState, { kind: 'open' }> {
  const state = breaker.state;
  if (state.kind !== 'open') throw new Error(`expected the breaker open, it is ${state.kind}`);
  return state;
}

/** The clock's time, with timers that never fire (a suspended machine, a blocked loop). */
function lateTimers(clock: FakeClock): Clock {
  return { now: () => clock.now(), setTimeout: () => ({}), clearTimeout: () => undefined };
}

describe('CircuitBreaker in closed', () => {
  it('allows actions and counts failures until failureThreshold opens it', async () => {
    const { breaker, clock } = setup();
    const start = clock.now();
    expect(breaker.permit()).toEqual({ allowed: true, trial: false });
    for (let i = 0; i < 4; i += 1) {
      fail(breaker, 1);
      await clock.advance(30_000);
    }
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: [start, start + 30_000, start + 60_000, start + 90_000] });
    expect(breaker.permit()).toEqual({ allowed: true, trial: false });
    fail(breaker, 1);
    expect(breaker.state).toEqual({ kind: 'open', since: clock.now(), until: clock.now() + 300_000, opensInARow: 1, exhausted: false });
  });

  it('forgets failures older than failureWindowMs', async () => {
    const { breaker, clock } = setup();
    const start = clock.now();
    fail(breaker, 4);
    await clock.advance(300_000);
    // The four are exactly failureWindowMs old now: outside the window.
    fail(breaker, 1);
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: [start + 300_000] });
    fail(breaker, 3);
    expect(breaker.state.kind).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state.kind).toBe('open');
  });

  it('counts failures inside a window that slides with them', async () => {
    const { breaker, clock } = setup();
    const start = clock.now();
    // At 0, 100, 200, 250 s: four inside the window.
    for (const at of [0, 100_000, 200_000, 250_000]) {
      await clock.advance(start + at - clock.now());
      fail(breaker, 1);
    }
    // At 310 s the one at 0 s has left the window: still four.
    await clock.advance(start + 310_000 - clock.now());
    fail(breaker, 1);
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: [start + 100_000, start + 200_000, start + 250_000, start + 310_000] });
    // At 399.999 s the one at 100 s is still inside: five, and it opens.
    await clock.advance(start + 399_999 - clock.now());
    fail(breaker, 1);
    expect(breaker.state).toMatchObject({ kind: 'open', opensInARow: 1 });
  });

  it('does not start counting over when a recovery works in between', async () => {
    const { breaker, clock, transitions } = setup();
    // A child that flaps: each recovery fails, the next one works for a while, and so on.
    for (let round = 1; round <= 4; round += 1) {
      fail(breaker, 1);
      await clock.advance(20_000);
      for (let check = 0; check < 3; check += 1) breaker.recordHealthyCheck();
      await clock.advance(20_000);
    }
    expect(breaker.state).toMatchObject({ kind: 'closed', recentFailures: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)] });
    fail(breaker, 1);
    expect(breaker.state).toMatchObject({ kind: 'open', opensInARow: 1 });
    expect(transitions.at(-1)?.reason).toBe('5 failures within 300 s (failureThreshold 5); the last: restart 1 did not help');
  });

  it('takes no notice of healthy checks', () => {
    const { breaker, clock, transitions } = setup();
    fail(breaker, 2);
    const before = transitions.length;
    for (let i = 0; i < 5; i += 1) breaker.recordHealthyCheck();
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now(), clock.now()] });
    expect(transitions).toHaveLength(before);
  });
});

describe('CircuitBreaker in open', () => {
  it('blocks every action, saying why and until when', async () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    const until = clock.now() + 300_000;
    await clock.advance(60_000);
    const permit = breaker.permit();
    expect(permit).toEqual({ allowed: false, reason: expect.stringContaining('circuit breaker is open'), until });
    if (permit.allowed) throw new Error('unreachable');
    expect(permit.reason).toContain('open 1 of 3 in a row, half-opens in 240 s');
    expect(breaker.permit().allowed).toBe(false);
  });

  it('ignores a late failure verdict: nothing was allowed to run', () => {
    const { breaker } = setup();
    fail(breaker, 5);
    const open = openOf(breaker);
    breaker.recordFailure('a verdict about an action from before the open');
    expect(breaker.state).toEqual(open);
  });

  it('half-opens exactly at timeoutMs when its timer fires', async () => {
    const { breaker, clock, transitions } = setup();
    fail(breaker, 5);
    const openedAt = clock.now();
    await clock.advance(299_999);
    // Read only what the listeners were told: reading `state` would move the breaker itself.
    expect(transitions.at(-1)?.to.kind).toBe('open');
    await clock.advance(1);
    const last = transitions.at(-1);
    expect(last?.to).toEqual({ kind: 'half_open', since: openedAt + 300_000, opensInARow: 1, trial: 'available', healthyChecks: 0 });
    expect(last?.at).toBe(openedAt + 300_000);
    expect(last?.reason).toBe('open for 300 s: one recovery may try');
  });

  it('half-opens when its state is read after timeoutMs, even if its timer is late', async () => {
    const { breaker, clock, transitions } = setup(SETTINGS, true);
    fail(breaker, 5);
    await clock.advance(299_999);
    expect(breaker.state.kind).toBe('open');
    await clock.advance(1);
    expect(transitions.at(-1)?.to.kind).toBe('open');
    expect(breaker.state.kind).toBe('half_open');
    expect(transitions.at(-1)?.from.kind).toBe('open');
    expect(transitions.at(-1)?.to.kind).toBe('half_open');
  });

  it('half-opens when asked for a permit after timeoutMs, and hands out the trial', async () => {
    const { breaker, clock } = setup(SETTINGS, true);
    fail(breaker, 5);
    await clock.advance(300_000);
    expect(breaker.permit()).toEqual({ allowed: true, trial: true });
    expect(breaker.state).toMatchObject({ kind: 'half_open', trial: 'taken' });
  });
});

describe('CircuitBreaker open timeout', () => {
  it('doubles per consecutive open, capped at 8×', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => openTimeoutMs(SETTINGS, n))).toEqual([300_000, 600_000, 1_200_000, 2_400_000, 2_400_000, 2_400_000]);
  });

  it('lasts 1×, 2×, 4×, 8×, 8× for the opens that follow failed trials', async () => {
    const { breaker, clock } = setup({ ...SETTINGS, maxOpenCycles: 10 });
    fail(breaker, 5);
    const lengths: number[] = [];
    for (let open = 1; open <= 5; open += 1) {
      const state = openOf(breaker);
      expect(state.opensInARow).toBe(open);
      lengths.push(state.until - state.since);
      await clock.advance(state.until - clock.now());
      expect(breaker.state.kind).toBe('half_open');
      expect(breaker.permit()).toEqual({ allowed: true, trial: true });
      breaker.recordFailure('the trial restart did not help');
    }
    expect(lengths).toEqual([300_000, 600_000, 1_200_000, 2_400_000, 2_400_000]);
  });
});

describe('CircuitBreaker in half_open', () => {
  async function halfOpen(settings: BreakerSettings = SETTINGS) {
    const context = setup(settings);
    fail(context.breaker, 5);
    await context.clock.advance(300_000);
    expect(context.breaker.state.kind).toBe('half_open');
    return context;
  }

  it('hands out exactly one trial', async () => {
    const { breaker } = await halfOpen();
    expect(breaker.permit()).toEqual({ allowed: true, trial: true });
    expect(breaker.permit()).toEqual({ allowed: false, reason: 'the circuit breaker is half-open and its one trial is under way', until: null });
  });

  it('takes the trial back when it could not be used', async () => {
    const { breaker } = await halfOpen();
    breaker.permit();
    breaker.returnTrial();
    expect(breaker.state).toMatchObject({ kind: 'half_open', trial: 'available' });
    expect(breaker.permit()).toEqual({ allowed: true, trial: true });
  });

  it('opens again on a failure, one more open in a row, for twice as long', async () => {
    const { breaker, clock } = await halfOpen();
    breaker.permit();
    breaker.recordFailure('the trial restart did not help');
    expect(breaker.state).toEqual({ kind: 'open', since: clock.now(), until: clock.now() + 600_000, opensInARow: 2, exhausted: false });
  });

  it('closes after successThreshold healthy checks, and the next open is 1× again', async () => {
    const { breaker, clock } = await halfOpen();
    breaker.permit();
    breaker.recordFailure('the trial restart did not help');
    await clock.advance(600_000);
    expect(breaker.permit()).toEqual({ allowed: true, trial: true });
    breaker.recordHealthyCheck();
    breaker.recordHealthyCheck();
    expect(breaker.state).toMatchObject({ kind: 'half_open', opensInARow: 2, healthyChecks: 2 });
    breaker.recordHealthyCheck();
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: [] });
    expect(breaker.permit()).toEqual({ allowed: true, trial: false });

    // The failures that opened it are forgotten on closing, though still inside the window.
    fail(breaker, 4);
    expect(breaker.state.kind).toBe('closed');
    fail(breaker, 1);
    const open = openOf(breaker);
    expect(open.opensInARow).toBe(1);
    expect(open.until - open.since).toBe(300_000);
  });

  it('is closed only by successThreshold healthy checks, not by time', async () => {
    const { breaker, clock } = await halfOpen();
    breaker.permit();
    breaker.recordHealthyCheck();
    await clock.advance(10 * 2_400_000);
    expect(breaker.state).toMatchObject({ kind: 'half_open', trial: 'taken', healthyChecks: 1 });
    expect(breaker.permit().allowed).toBe(false);
  });
});

describe('CircuitBreaker maxOpenCycles', () => {
  it('marks the open that reaches maxOpenCycles exhausted, and never half-opens it', async () => {
    const { breaker, clock, transitions } = setup();
    fail(breaker, 5);
    for (let open = 1; open < 3; open += 1) {
      expect(transitions.at(-1)?.exhausted).toBe(false);
      await clock.advance(openOf(breaker).until - clock.now());
      breaker.permit();
      breaker.recordFailure('the trial restart did not help');
    }
    const last = transitions.at(-1);
    expect(last?.to).toMatchObject({ kind: 'open', opensInARow: 3, exhausted: true });
    expect(last?.exhausted).toBe(true);
    expect(transitions.filter((transition) => transition.exhausted)).toHaveLength(1);
    expect(clock.pending).toBe(0);

    await clock.advance(100 * 2_400_000);
    expect(breaker.state).toMatchObject({ kind: 'open', opensInARow: 3, exhausted: true });
    expect(breaker.permit().allowed).toBe(false);
  });

  it('opens a breaker exhausted at once when maxOpenCycles is 1', () => {
    const { breaker, clock, transitions } = setup({ ...SETTINGS, maxOpenCycles: 1 });
    fail(breaker, 5);
    expect(breaker.state).toMatchObject({ kind: 'open', opensInARow: 1, exhausted: true });
    expect(transitions.at(-1)?.exhausted).toBe(true);
    expect(clock.pending).toBe(0);
  });
});

describe('CircuitBreaker update', () => {
  it('keeps the state and the end of an open', async () => {
    const { breaker, clock } = setup();
    fail(breaker, 2);
    breaker.update({ ...SETTINGS, failureThreshold: 10 });
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now(), clock.now()] });
    fail(breaker, 7);
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: Array.from({ length: 9 }, () => clock.now()) });
    fail(breaker, 1);
    const open = openOf(breaker);

    breaker.update({ ...SETTINGS, failureThreshold: 10, timeoutMs: 1000 });
    expect(breaker.state).toEqual(open);
    await clock.advance(1000);
    expect(breaker.state).toEqual(open);
    await clock.advance(open.until - clock.now());
    expect(breaker.state.kind).toBe('half_open');
    expect(breaker.settings.timeoutMs).toBe(1000);
  });

  it('applies a shorter failureWindowMs to the failures already counted', async () => {
    const { breaker, clock } = setup();
    fail(breaker, 4);
    await clock.advance(60_000);
    breaker.update({ ...SETTINGS, failureWindowMs: 60_000 });
    fail(breaker, 1);
    expect(breaker.state).toEqual({ kind: 'closed', recentFailures: [clock.now()] });
  });

  it('does not strand an open when maxOpenCycles is lowered: it half-opens at its time, and the next open is exhausted', async () => {
    const { breaker, clock, transitions } = setup();
    fail(breaker, 5);
    const open = openOf(breaker);
    expect(open.exhausted).toBe(false);

    breaker.update({ ...SETTINGS, maxOpenCycles: 1 });
    expect(breaker.state).toEqual(open);
    await clock.advance(open.until - clock.now());
    expect(transitions.at(-1)?.to).toMatchObject({ kind: 'half_open', opensInARow: 1, trial: 'available' });
    expect(breaker.permit()).toEqual({ allowed: true, trial: true });

    breaker.recordFailure('the trial restart did not help');
    expect(breaker.state).toMatchObject({ kind: 'open', opensInARow: 2, exhausted: true });
    expect(transitions.at(-1)?.exhausted).toBe(true);
    await clock.advance(10 * 2_400_000);
    expect(breaker.state).toMatchObject({ kind: 'open', opensInARow: 2, exhausted: true });
  });

  it('does not revive an exhausted open when maxOpenCycles is raised: that was decided when it opened', async () => {
    const { breaker, clock } = setup({ ...SETTINGS, maxOpenCycles: 1 });
    fail(breaker, 5);
    const open = openOf(breaker);
    expect(open.exhausted).toBe(true);
    breaker.update({ ...SETTINGS, maxOpenCycles: 10 });
    await clock.advance(open.until - clock.now() + 1);
    expect(breaker.state).toEqual(open);
    expect(breaker.permit().allowed).toBe(false);
  });
});

describe('CircuitBreaker listeners', () => {
  it('are told every transition with from, to, reason and time', async () => {
    const { breaker, clock, transitions } = setup({ ...SETTINGS, failureThreshold: 2, successThreshold: 2 });
    const start = clock.now();
    breaker.recordFailure('restart 1 did not help');
    await clock.advance(1000);
    breaker.recordFailure('restart 2 did not help');
    await clock.advance(300_000);
    breaker.permit();
    breaker.recordHealthyCheck();
    breaker.recordHealthyCheck();

    expect(transitions.map(({ from, to, at, exhausted }) => ({ from: from.kind, to: to.kind, at: at - start, exhausted }))).toEqual([
      { from: 'closed', to: 'closed', at: 0, exhausted: false },
      { from: 'closed', to: 'open', at: 1000, exhausted: false },
      { from: 'open', to: 'half_open', at: 301_000, exhausted: false },
      { from: 'half_open', to: 'half_open', at: 301_000, exhausted: false },
      { from: 'half_open', to: 'half_open', at: 301_000, exhausted: false },
      { from: 'half_open', to: 'closed', at: 301_000, exhausted: false },
    ]);
    expect(transitions.map((transition) => transition.reason)).toEqual([
      'restart 1 did not help',
      '2 failures within 300 s (failureThreshold 2); the last: restart 2 did not help',
      'open for 300 s: one recovery may try',
      'the trial action of half_open is under way',
      'healthy check 1 of 2',
      '2 healthy checks in half_open (successThreshold 2)',
    ]);
  });

  it('stop being told once unsubscribed', () => {
    const breaker = new CircuitBreaker(SETTINGS, new FakeClock());
    const seen: BreakerTransition[] = [];
    const stop = breaker.onTransition((transition) => seen.push(transition));
    breaker.recordFailure('one');
    stop();
    breaker.recordFailure('two');
    expect(seen).toHaveLength(1);
    expect(breaker.state).toMatchObject({ kind: 'closed', recentFailures: [expect.any(Number), expect.any(Number)] });
  });
});
