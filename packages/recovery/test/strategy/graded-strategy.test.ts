import { describe, expect, it } from '@jest/globals';
import { GradedRecoveryStrategy, type Diagnosis, type FailureClass, type PastDecision, type RecoveryAction, type StrategyDecision } from '../../src/index.js';

const SETTINGS = { failureWindowMs: 300_000, minActionIntervalMs: 10_000 };
const NOW = 50_000_000;

/** A diagnosis as diagnose() makes it: only the fields the strategy reads matter. */
function diagnosis(failureClass: FailureClass, floor: RecoveryAction, ceiling: RecoveryAction, severity: Diagnosis['severity'] = 'critical'): Diagnosis {
  return {
    failureClass,
    severity,
    reason: `${failureClass} (test)`,
    metrics: [],
    thresholds: [],
    floor,
    ceiling,
    restartVia: 'signal',
    generation: 4,
    pid: 4242,
  };
}

const crashed = diagnosis('crashed', 'restart_service', 'restart_service');
const hung = diagnosis('hung', 'restart_service', 'emergency_stop');
const stopped = diagnosis('stopped', 'restart_service', 'emergency_stop');
const startupTimeout = diagnosis('startup_timeout', 'restart_service', 'emergency_stop');
const portClosed = diagnosis('port_closed', 'restart_service', 'emergency_stop');
const memory = { ...diagnosis('resource', 'log_warning', 'restart_service'), thresholds: ['memoryMb'] };
const cpu = { ...diagnosis('resource', 'log_warning', 'clear_connections'), thresholds: ['cpuPercent'] };
const clients = { ...diagnosis('resource', 'log_warning', 'clear_connections'), thresholds: ['clients'] };
const memoryWarning = { ...diagnosis('resource', 'log_warning', 'log_warning', 'warning'), thresholds: ['memoryMb'] };
const cpuWarning = { ...diagnosis('resource', 'log_warning', 'log_warning', 'warning'), thresholds: ['cpuPercent'] };
const cpuAndMemoryWarning = { ...diagnosis('resource', 'log_warning', 'log_warning', 'warning'), thresholds: ['cpuPercent', 'memoryMb'] };
const hungWarning = diagnosis('hung', 'log_warning', 'log_warning', 'warning');

/** The thresholds a decision of this class was about, as diagnose() names them (resource: memoryMb unless told). */
function thresholdsOf(failureClass: FailureClass): string[] {
  return failureClass === 'resource' ? ['memoryMb'] : [];
}

/** An earlier decision `ago` ms before NOW. */
function past(
  ago: number,
  failureClass: FailureClass,
  action: RecoveryAction,
  result: PastDecision['result'],
  skip?: PastDecision['skip'],
  severity: PastDecision['severity'] = 'critical',
  thresholds: readonly string[] = thresholdsOf(failureClass),
): PastDecision {
  return { at: NOW - ago, failureClass, action, thresholds, result, skip, severity };
}

/** A warning that was logged `ago` ms before NOW. */
function loggedWarning(ago: number, failureClass: FailureClass, thresholds: readonly string[] = thresholdsOf(failureClass)): PastDecision {
  return past(ago, failureClass, 'log_warning', 'succeeded', undefined, 'warning', thresholds);
}

/** `n` attempts at `failureClass` climbing from `floor`, 30 s apart, the last 30 s ago. */
function attempts(n: number, failureClass: FailureClass, floor: RecoveryAction, result: PastDecision['result'] = 'failed'): PastDecision[] {
  const ladder: RecoveryAction[] = ['log_warning', 'clear_connections', 'restart_service', 'emergency_stop'];
  const start = ladder.indexOf(floor);
  return Array.from({ length: n }, (_, i) => {
    const action = ladder[Math.min(start + i, ladder.length - 1)] ?? 'emergency_stop';
    return past((n - i) * 30_000, failureClass, action, action === 'log_warning' ? 'succeeded' : result);
  });
}

function act(action: RecoveryAction, attemptsSoFar: number, atCeiling = false): StrategyDecision {
  return { kind: 'act', action, attempts: attemptsSoFar, atCeiling };
}

function hold(why: string): StrategyDecision {
  return { kind: 'hold', why: expect.stringContaining(why) as unknown as string };
}

type Row = [string, Diagnosis, PastDecision[], boolean, StrategyDecision];

const rows: Row[] = [
  // A crash is respawned at once: its backoff is the spacing.
  ['crashed: restart at once', crashed, [], false, act('restart_service', 0)],
  ['crashed: restart even while verifying', crashed, [], true, act('restart_service', 0)],
  ['crashed: restart even inside the spacing', crashed, [past(1000, 'hung', 'restart_service', 'failed')], false, act('restart_service', 0)],
  ['crashed: restart however many crashes came before', crashed, attempts(6, 'crashed', 'restart_service'), false, act('restart_service', 0)],

  // Verifying and spacing.
  ['hung while an action is verified: hold', hung, [], true, hold('an earlier action is being verified')],
  ['memoryMb while an action is verified: hold', memory, [], true, hold('an earlier action is being verified')],
  ['hung 1 s after any decision: hold', hung, [past(1000, 'resource', 'log_warning', 'succeeded')], false, hold('minActionIntervalMs: 9000 ms')],
  ['hung 1 s after a logged warning: act (a warning touched nothing, so it spaces nothing)', hung, [loggedWarning(1000, 'resource', ['cpuPercent'])], false, act('restart_service', 0)],
  ['memoryMb critical 1 s after its own warning was logged: act', memory, [loggedWarning(1000, 'resource')], false, act('log_warning', 0)],
  ['hung 9.999 s after a decision: hold', hung, [past(9999, 'hung', 'restart_service', 'succeeded')], false, hold('minActionIntervalMs: 1 ms')],
  ['hung exactly minActionIntervalMs after a decision: act', hung, [past(10_000, 'resource', 'log_warning', 'succeeded')], false, act('restart_service', 0)],
  ['hung 1 s after a blocked decision: hold', hung, [past(1000, 'hung', 'restart_service', 'blocked')], false, hold('minActionIntervalMs')],
  ['hung 1 s after a disabled skip: hold', hung, [past(1000, 'hung', 'restart_service', 'skipped', 'disabled')], false, hold('minActionIntervalMs')],
  [
    'memoryMb 1 s after an unavailable clear_connections: no spacing, climbs past it',
    memory,
    [past(20_000, 'resource', 'log_warning', 'succeeded'), past(1000, 'resource', 'clear_connections', 'skipped', 'unavailable')],
    false,
    act('restart_service', 2),
  ],
  [
    'spacing runs from the last decision that starts it, skipping unavailable ones',
    memory,
    [past(5000, 'resource', 'log_warning', 'succeeded'), past(1000, 'resource', 'clear_connections', 'skipped', 'unavailable')],
    false,
    hold('minActionIntervalMs: 5000 ms'),
  ],

  // The next rung is one above the highest tried inside the window, not a count of tries.
  [
    'cpuPercent after clear_connections and the at-ceiling line: hold, already said',
    cpu,
    [past(200_000, 'resource', 'clear_connections', 'failed', undefined, 'critical', ['cpuPercent']), past(170_000, 'resource', 'log_warning', 'succeeded', undefined, 'critical', ['cpuPercent'])],
    false,
    hold('already logged'),
  ],
  [
    'cpuPercent once its clear_connections aged out of the window: clear again',
    cpu,
    [past(310_000, 'resource', 'clear_connections', 'failed', undefined, 'critical', ['cpuPercent']), past(280_000, 'resource', 'log_warning', 'succeeded', undefined, 'critical', ['cpuPercent'])],
    false,
    act('clear_connections', 1),
  ],
  [
    'memoryMb after a restart_service only: emergency_stop is past its ceiling, so the restart repeats',
    memory,
    [past(60_000, 'resource', 'restart_service', 'succeeded')],
    false,
    act('restart_service', 1, true),
  ],

  // Warnings log once per class and set of thresholds inside the window.
  ['memoryMb warning: log', memoryWarning, [], false, act('log_warning', 0)],
  ['memoryMb warning logged 60 s ago: hold', memoryWarning, [loggedWarning(60_000, 'resource')], false, hold('already logged')],
  ['memoryMb warning logged 299 s ago: hold', memoryWarning, [loggedWarning(299_000, 'resource')], false, hold('already logged')],
  ['memoryMb warning logged 301 s ago: log again', memoryWarning, [loggedWarning(301_000, 'resource')], false, act('log_warning', 0)],
  ['memoryMb warning after a cpuPercent warning: log (another threshold)', memoryWarning, [loggedWarning(60_000, 'resource', ['cpuPercent'])], false, act('log_warning', 0)],
  ['cpuPercent warning after a memoryMb warning: log (another threshold)', cpuWarning, [loggedWarning(60_000, 'resource', ['memoryMb'])], false, act('log_warning', 0)],
  [
    'memoryMb warning after a cpuPercent warning and a memoryMb warning: hold',
    memoryWarning,
    [loggedWarning(120_000, 'resource', ['memoryMb']), loggedWarning(60_000, 'resource', ['cpuPercent'])],
    false,
    hold('already logged'),
  ],
  ['cpuPercent and memoryMb warning after a memoryMb warning: log (another set)', cpuAndMemoryWarning, [loggedWarning(60_000, 'resource', ['memoryMb'])], false, act('log_warning', 0)],
  ['memoryMb warning after a cpuPercent and memoryMb warning: log (another set)', memoryWarning, [loggedWarning(60_000, 'resource', ['cpuPercent', 'memoryMb'])], false, act('log_warning', 0)],
  ['cpuPercent and memoryMb warning logged 60 s ago: hold', cpuAndMemoryWarning, [loggedWarning(60_000, 'resource', ['cpuPercent', 'memoryMb'])], false, hold('already logged')],
  ['hung warning after a resource warning: log (another class)', hungWarning, [loggedWarning(60_000, 'resource')], false, act('log_warning', 0)],
  ['hung warning logged 60 s ago: hold', hungWarning, [loggedWarning(60_000, 'hung')], false, hold('already logged')],
  [
    'memoryMb warning after a critical memoryMb log_warning: log (that was no warning)',
    memoryWarning,
    [past(60_000, 'resource', 'log_warning', 'succeeded', undefined, 'critical', ['memoryMb'])],
    false,
    act('log_warning', 0),
  ],
  ['memoryMb warning after critical attempts: still only log', memoryWarning, attempts(3, 'resource', 'log_warning'), false, act('log_warning', 0)],
  ['memoryMb warning while verifying: hold', memoryWarning, [], true, hold('an earlier action is being verified')],

  // Resource pressure climbs from log_warning to its ceiling.
  ['memoryMb, no attempts: log_warning', memory, [], false, act('log_warning', 0)],
  ['memoryMb, 1 attempt: clear_connections', memory, attempts(1, 'resource', 'log_warning'), false, act('clear_connections', 1)],
  ['memoryMb, 2 attempts: restart_service', memory, attempts(2, 'resource', 'log_warning'), false, act('restart_service', 2)],
  ['memoryMb, 3 attempts: restart_service again, at its ceiling', memory, attempts(3, 'resource', 'log_warning'), false, act('restart_service', 3, true)],
  ['memoryMb, 4 attempts: restart_service again, at its ceiling', memory, attempts(4, 'resource', 'log_warning'), false, act('restart_service', 4, true)],
  ['cpuPercent, no attempts: log_warning', cpu, [], false, act('log_warning', 0)],
  ['cpuPercent, 1 attempt: clear_connections', cpu, attempts(1, 'resource', 'log_warning'), false, act('clear_connections', 1)],
  ['cpuPercent, 2 attempts: only log, never restart', cpu, attempts(2, 'resource', 'log_warning'), false, act('log_warning', 2, true)],
  ['cpuPercent, 5 attempts: only log, never restart', cpu, attempts(5, 'resource', 'log_warning'), false, act('log_warning', 5, true)],
  ['clients, 1 attempt: clear_connections', clients, attempts(1, 'resource', 'log_warning'), false, act('clear_connections', 1)],
  ['clients, 2 attempts: only log', clients, attempts(2, 'resource', 'log_warning'), false, act('log_warning', 2, true)],

  // Liveness starts at restart_service and may go to emergency_stop.
  ['hung, no attempts: restart_service', hung, [], false, act('restart_service', 0)],
  ['hung, 1 attempt: emergency_stop', hung, attempts(1, 'hung', 'restart_service'), false, act('emergency_stop', 1)],
  ['hung, 2 attempts: emergency_stop again', hung, attempts(2, 'hung', 'restart_service'), false, act('emergency_stop', 2, true)],
  ['stopped, no attempts: restart_service', stopped, [], false, act('restart_service', 0)],
  ['stopped, 1 attempt: emergency_stop', stopped, attempts(1, 'stopped', 'restart_service'), false, act('emergency_stop', 1)],
  ['stopped, 2 attempts: emergency_stop again', stopped, attempts(2, 'stopped', 'restart_service'), false, act('emergency_stop', 2, true)],
  ['startup_timeout, no attempts: restart_service', startupTimeout, [], false, act('restart_service', 0)],
  ['startup_timeout, 1 attempt: emergency_stop', startupTimeout, attempts(1, 'startup_timeout', 'restart_service'), false, act('emergency_stop', 1)],
  ['startup_timeout, 2 attempts: emergency_stop again', startupTimeout, attempts(2, 'startup_timeout', 'restart_service'), false, act('emergency_stop', 2, true)],
  ['port_closed, no attempts: restart_service', portClosed, [], false, act('restart_service', 0)],
  ['port_closed, 1 attempt: emergency_stop', portClosed, attempts(1, 'port_closed', 'restart_service'), false, act('emergency_stop', 1)],
  ['port_closed, 2 attempts: emergency_stop again', portClosed, attempts(2, 'port_closed', 'restart_service'), false, act('emergency_stop', 2, true)],
  ['hung, a successful restart counts as an attempt too', hung, attempts(1, 'hung', 'restart_service', 'succeeded'), false, act('emergency_stop', 1)],

  // What counts as an attempt.
  [
    'attempts older than failureWindowMs are forgotten',
    memory,
    [past(400_000, 'resource', 'log_warning', 'succeeded'), past(300_000, 'resource', 'clear_connections', 'failed'), past(60_000, 'resource', 'log_warning', 'succeeded')],
    false,
    act('clear_connections', 1),
  ],
  ['hung, a failed restart 301 s ago is forgotten', hung, [past(301_000, 'hung', 'restart_service', 'failed')], false, act('restart_service', 0)],
  ['attempts at another class do not count', memory, attempts(3, 'hung', 'restart_service'), false, act('log_warning', 0)],
  ['hung after resource attempts: starts at its floor', hung, attempts(3, 'resource', 'log_warning'), false, act('restart_service', 0)],
  ['blocked decisions do not count', hung, [past(60_000, 'hung', 'restart_service', 'blocked'), past(30_000, 'hung', 'restart_service', 'blocked')], false, act('restart_service', 0)],
  [
    'disabled skips do not count',
    memory,
    [past(60_000, 'resource', 'clear_connections', 'skipped', 'disabled'), past(30_000, 'resource', 'restart_service', 'skipped', 'disabled')],
    false,
    act('log_warning', 0),
  ],
  ['stale skips do not count', hung, [past(30_000, 'hung', 'restart_service', 'skipped', 'stale')], false, act('restart_service', 0)],
  [
    'unavailable skips count: the ladder climbed past them',
    memory,
    [past(60_000, 'resource', 'log_warning', 'succeeded'), past(30_000, 'resource', 'clear_connections', 'skipped', 'unavailable')],
    false,
    act('restart_service', 2),
  ],
  ['warnings of the same class do not count as attempts', memory, [loggedWarning(60_000, 'resource'), loggedWarning(30_000, 'resource', ['cpuPercent'])], false, act('log_warning', 0)],
];

describe('GradedRecoveryStrategy.decide', () => {
  const strategy = new GradedRecoveryStrategy(SETTINGS);

  it.each(rows)('%s', (_name, diagnosisNow, history, verifying, expected) => {
    expect(strategy.decide({ diagnosis: diagnosisNow, history, now: NOW, verifying })).toEqual(expected);
  });

  it('follows updated settings', () => {
    const updated = new GradedRecoveryStrategy(SETTINGS);
    const history = attempts(2, 'resource', 'log_warning');
    updated.update({ failureWindowMs: 45_000, minActionIntervalMs: 40_000 });
    // The last decision was 30 s ago: inside the new spacing.
    expect(updated.decide({ diagnosis: memory, history, now: NOW, verifying: false })).toEqual(hold('minActionIntervalMs: 10000 ms'));
    // 10 s later only the clear_connections 40 s ago is inside the 45 s window: one rung above it.
    expect(updated.decide({ diagnosis: memory, history, now: NOW + 10_000, verifying: false })).toEqual(act('restart_service', 1));
    // Once that has aged out too, the ladder starts again at its floor.
    expect(updated.decide({ diagnosis: memory, history, now: NOW + 20_000, verifying: false })).toEqual(act('log_warning', 0));
  });
});
