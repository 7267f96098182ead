import { describe, expect, it } from '@jest/globals';
import { ExitCode } from '../src/exit-codes.js';
import type { StateRecord } from '../src/state/state-file.js';
import { ansiColour, noColour, paintFor } from '../src/status-command/colour.js';
import { statusReport } from '../src/status-command/report.js';
import { factsOf, rowFromFetch, type StatusRow, type SupervisorFacts } from '../src/status-command/status-row.js';

// Rendering `status` from fixed /diagnostics documents: no process, no network, a fixed now.

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const lookup = { name: null, dirs: ['/run/user/1000/mpm-supervise', '/run/mpm-supervise'] };
const ESC = '\u001b[';

function facts(name = 'chat', pid = 4100, over: Partial<StateRecord> = {}): SupervisorFacts {
  return factsOf({
    path: `/run/user/1000/mpm-supervise/${name}.json`,
    running: true,
    record: {
      name,
      pid,
      version: '0.1.0',
      startedAt: ago(3_600_000 + 300_000),
      http: { url: 'http://127.0.0.1:8766', host: '127.0.0.1', port: 8766, tokenRequired: false },
      logFile: '/var/log/chat.log',
      command: ['node', 'server.js'],
      ...over,
    },
  });
}

type Json = Record<string, unknown>;

const healthyMetrics = [
  { name: 'processState', value: 'S', unit: 'state', status: 'healthy', thresholds: null, message: 'process 4111 is S (sleeping)', breaches: null },
  { name: 'cpuPercent', value: 2, unit: 'percent', status: 'healthy', thresholds: { warning: 80, critical: 95 }, message: 'cpuPercent 2 %', breaches: null },
  { name: 'eventLoopLagMs', value: 3, unit: 'ms', status: 'healthy', thresholds: { warning: 200, critical: 1000 }, message: 'eventLoopLagMs 3 ms', breaches: null },
];

/** A /diagnostics document as the supervisor serves it (the parts status reads, and some it does not). */
function document(over: { child?: Json; health?: Json; breaker?: Json; recovery?: Json; supervisor?: Json } = {}): Json {
  return {
    generatedAt: new Date(NOW).toISOString(),
    name: 'chat',
    versions: { mpmSupervise: '0.1.0', node: '20.20.2' },
    supervisor: {
      pid: 4100,
      startedAt: ago(3_900_000),
      uptimeSeconds: 3900,
      stopping: false,
      statusServer: 'http://127.0.0.1:8766',
      stateFile: '/run/user/1000/mpm-supervise/chat.json',
      logFile: '/var/log/chat.log',
      ...over.supervisor,
    },
    config: { http: { token: '[redacted]' } },
    child: { command: 'node', args: ['server.js'], pid: 4111, state: 'running', generation: 1, uptimeSeconds: 192.4, restarts: 0, lastExit: null, ...over.child },
    health: {
      status: 'pass',
      output: null,
      monitorStatus: 'healthy',
      latest: { time: ago(1000), durationMs: 4, status: 'healthy', readiness: 'ready', generation: 1, pid: 4111, metrics: healthyMetrics },
      ...over.health,
    },
    breaker: { state: 'closed', since: null, until: null, reason: null, opensInARow: 0, recentFailures: 0, failureThreshold: 5, exhausted: false, ...over.breaker },
    recovery: { enabled: true, gaveUp: false, busy: false, decisions: 0, recentEvents: [], ...over.recovery },
  };
}

function event(id: number, action: string, result: string, msAgo: number, over: Json = {}): Json {
  return {
    id,
    time: ago(msAgo),
    action,
    failureClass: 'crashed',
    severity: 'critical',
    reason: 'child 4111 killed by SIGKILL',
    result,
    detail: 'respawned after 100 ms (attempt 1)',
    durationMs: 600,
    generation: 1,
    pid: 4111,
    ...over,
  };
}

const running = (doc: Json, supervisor = facts()): StatusRow => rowFromFetch(supervisor, { kind: 'ok', document: doc });

function report(rows: StatusRow[], options: { json?: boolean; colour?: boolean } = {}) {
  return statusReport(rows, lookup, { json: options.json === true, paint: options.colour === true ? ansiColour : noColour, now: NOW });
}

/** The table's lines: until the blank line before the details. */
const tableOf = (stdout: string): string[] => stdout.split('\n\n')[0]!.split('\n');

describe('the table', () => {
  it('shows a healthy supervisor in aligned columns, with detail lines under it', () => {
    const { stdout, stderr, exitCode } = report([running(document())]);
    expect(exitCode).toBe(ExitCode.ok);
    expect(stderr).toBe('');
    const [heading, row] = tableOf(stdout);
    expect(heading).toBe('NAME  PID   CHILD  STATE    UPTIME  ↺  HEALTH   BREAKER  LAST RECOVERY');
    expect(row).toBe('chat  4100  4111   running  3m12s   0  healthy  closed   -');
    // Every column starts where its heading does.
    for (const title of ['PID', 'CHILD', 'STATE', 'UPTIME', '↺', 'HEALTH', 'BREAKER', 'LAST RECOVERY']) {
      expect(row![heading!.indexOf(title) - 1]).toBe(' ');
      expect(row![heading!.indexOf(title)]).not.toBe(' ');
    }
    expect(stdout).toContain('  supervisor     pid 4100, up 1h05m, mpm-supervise 0.1.0\n');
    expect(stdout).toContain('  status server  http://127.0.0.1:8766\n');
    expect(stdout).toContain('  state file     /run/user/1000/mpm-supervise/chat.json\n');
    expect(stdout).toContain('  log file       /var/log/chat.log\n');
    expect(stdout).toContain('  breaker        closed, 0 of 5 failures counted\n');
    expect(stdout).toContain('  recovery       on, 0 decisions\n');
    expect(stdout).not.toContain(ESC);
  });

  it('names the worst metric, and the last recovery and when, for a recovering child', () => {
    const metrics = [
      ...healthyMetrics.slice(0, 2),
      { name: 'memoryMb', value: 520, unit: 'MiB', status: 'critical', thresholds: { warning: 400, critical: 500 }, message: 'memoryMb 520 MiB ≥ critical 500 MiB', breaches: 3 },
      { name: 'eventLoopLagMs', value: 1840, unit: 'ms', status: 'critical', thresholds: { warning: 200, critical: 1000 }, message: 'eventLoopLagMs 1840 ms ≥ critical 1000 ms', breaches: 3 },
    ];
    const doc = document({
      child: { restarts: 2, uptimeSeconds: 7_500, lastExit: { code: null, signal: 'SIGKILL', time: ago(7_512_000), uptimeSeconds: 40 } },
      health: { status: 'fail', output: 'eventLoopLagMs 1840 ms ≥ critical 1000 ms; memoryMb 520 MiB ≥ critical 500 MiB', latest: { status: 'critical', readiness: 'ready', metrics } },
      breaker: { state: 'closed', since: ago(12_000), reason: 'child 4111 was killed by SIGKILL', recentFailures: 2 },
      recovery: { decisions: 3, recentEvents: [event(1, 'restart_service', 'succeeded', 12_000), event(2, 'log_warning', 'succeeded', 2_000, { failureClass: 'resource' })] },
    });
    const { stdout, exitCode } = report([running(doc)]);
    expect(exitCode).toBe(ExitCode.ok);
    const [heading, row] = tableOf(stdout);
    expect(heading).toMatch(/^NAME {2}PID {3}CHILD {2}STATE {4}UPTIME {2}↺ {2}HEALTH {2,}BREAKER {2}LAST RECOVERY$/);
    // 121 characters in full: the last recovery says "ok" for "succeeded" to fit in 120.
    expect(row).toBe('chat  4100  4111   running  2h05m   2  critical: eventLoopLagMs 1840 ms ≥ 1000  closed   restart_service ok 12s ago');
    const wide = statusReport([running(doc)], lookup, { json: false, paint: noColour, now: NOW, width: 200 });
    expect(tableOf(wide.stdout)[1]).toBe('chat  4100  4111   running  2h05m   2  critical: eventLoopLagMs 1840 ms ≥ 1000  closed   restart_service succeeded 12s ago');
    expect(stdout).toContain('  last exit      killed by SIGKILL, 2h05m ago, after 40s up\n');
    expect(stdout).toContain('  checks         critical: eventLoopLagMs 1840 ms ≥ 1000; critical: memoryMb 520 MiB ≥ 500\n');
    expect(stdout).toContain('  breaker        closed, 2 of 5 failures counted; moved 12s ago: child 4111 was killed by SIGKILL\n');
    expect(stdout).toContain('  recovery       on, 3 decisions; last: restart_service (crashed) succeeded 12s ago: respawned after 100 ms (attempt 1)\n');
  });

  it('says why a child is down, and for how long an open breaker holds recovery back', () => {
    const doc = document({
      child: { pid: null, state: 'exited', uptimeSeconds: null, restarts: 5, lastExit: { code: 3, signal: null, time: ago(30_000), uptimeSeconds: 0.2 } },
      health: { status: 'fail', latest: null },
      breaker: { state: 'open', since: ago(30_000), until: new Date(NOW + 252_000).toISOString(), recentFailures: 0 },
      recovery: { recentEvents: [event(6, 'restart_service', 'blocked', 30_000)] },
    });
    const { stdout } = report([running(doc)]);
    const row = tableOf(stdout)[1];
    expect(stdout).toContain('  breaker        open, half-opens in 4m12s; moved 30s ago\n');
    expect(row).toBe('chat  4100  -      exited  -       5  down: exited with code 3  open (4m12s left)  restart_service blocked 30s ago');
    const gaveUp = document({ breaker: { state: 'open', exhausted: true, until: null }, recovery: { gaveUp: true } });
    expect(tableOf(report([running(gaveUp)]).stdout)[1]).toContain('gave up: the circuit breaker opened too often');
    expect(tableOf(report([running(gaveUp)]).stdout)[1]).toContain('open (for good)');
  });

  it('keeps each line within 120 columns, cutting health and last recovery with …, never a note', () => {
    const metrics = [
      {
        name: 'socketioLatencyMs',
        value: null,
        unit: 'ms',
        status: 'critical',
        thresholds: { warning: 500, critical: 2000 },
        message: `Socket.IO ping at http://127.0.0.1:34611 failed: ${'x'.repeat(120)}`,
      },
    ];
    const long = running(
      document({ health: { latest: { status: 'critical', metrics } }, recovery: { recentEvents: [event(1, 'emergency_stop', 'skipped', 4 * 86_400_000, { skip: 'disabled' })] } }),
      facts('a-rather-long-service-name-indeed'),
    );
    const stale: StatusRow = { kind: 'gone', supervisor: facts('old', 4242), removed: true };
    const { stdout } = report([long, stale]);
    const lines = tableOf(stdout);
    expect(lines).toHaveLength(3);
    for (const line of lines.slice(0, 2)) expect([...line].length).toBeLessThanOrEqual(120);
    expect(lines[1]).toBe('a-rather-long-s…  4100  4111   running  3m12s   0  critical: Socket.IO ping at…        closed   emergency_stop skipped…');
    expect(lines[2]).toBe('old               4242  -      gone     -       -  pid 4242 no longer runs; stale state file removed');
    // One of them runs: the detail lines are its, and have the health text whole.
    expect(stdout).toContain(`  checks         critical: Socket.IO ping at http://127.0.0.1:34611 failed: ${'x'.repeat(120)}\n`);
    // Two that run: no detail lines.
    const two = report([long, running(document())]).stdout;
    expect(two.split('\n').filter((line) => line !== '')).toHaveLength(3);
  });

  it('colours the health, state and breaker words on a terminal, and nothing else', () => {
    const doc = document({
      health: { latest: { status: 'warning', metrics: [{ name: 'cpuPercent', value: 85, unit: 'percent', status: 'warning', thresholds: { warning: 80, critical: 95 }, message: 'm' }] } },
    });
    const { stdout } = report([running(doc)], { colour: true });
    const row = tableOf(stdout)[1]!;
    expect(row).toContain(`${ESC}32mrunning${ESC}0m  `);
    expect(row).toContain(`${ESC}33mwarning${ESC}0m: cpuPercent 85 % ≥ 80`);
    expect(row).toContain(`${ESC}32mclosed${ESC}0m`);
    expect(row.replace(/\u001b\[\d+m/g, '')).toBe(tableOf(report([running(doc)]).stdout)[1]);
    expect(paintFor(true, {})).toBe(ansiColour);
    expect(paintFor(false, {})).toBe(noColour);
    expect(paintFor(true, { NO_COLOR: '1' })).toBe(noColour);
  });

  it('shows control characters from state files and /diagnostics as escapes, colours still on; --json keeps them', () => {
    const hostile = (what: string): string => `${what}\u001b[2J\u009b\u202e`;
    const shown = (what: string): string => `${what}\\x1b[2J\\u009b\\u202e`;
    const metric = { name: 'socketio', value: null, unit: '', status: 'critical', thresholds: null, message: hostile('probe failed: ') };
    const doc = document({
      supervisor: { logFile: hostile('/var/log/') },
      child: { state: 'backoff', lastExit: { code: null, signal: hostile('SIG'), time: ago(2000), uptimeSeconds: 1 }, respawnAt: new Date(NOW + 1000).toISOString() },
      health: { status: 'fail', output: hostile('output '), latest: { status: 'critical', metrics: [metric] } },
      breaker: { state: 'open', since: ago(1000), until: new Date(NOW + 60_000).toISOString(), reason: hostile('reason ') },
      recovery: { decisions: 1, recentEvents: [event(1, hostile('restart_'), 'succeeded', 3000, { detail: hostile('detail ') })] },
    });
    const supervisor = facts('chat', 4100, { command: ['node', hostile('server.js')] });
    const rows = [running(doc, supervisor), rowFromFetch(facts('api', 5100), { kind: 'http_error', status: 500, message: hostile('body ') })];
    for (const colour of [false, true]) {
      const { stdout } = report(rows, { colour });
      // Our own colours are the only escape sequences left.
      expect(stdout.replaceAll(/\u001b\[(?:2|3[123]|0)m/g, '').match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u)).toBeNull();
      expect(stdout).toContain(shown('body '));
    }
    const one = report([rows[0]!]).stdout;
    expect(one).toContain(`command        node ${shown('server.js')}\n`);
    for (const what of ['/var/log/', 'SIG', 'output ', 'probe failed: ', 'reason ', 'restart_', 'detail ', 'server.js']) expect(one).toContain(shown(what));
    const { stdout: coloured } = report([rows[0]!], { colour: true });
    expect(coloured).toContain(`${ESC}31mdown${ESC}0m: killed by SIG\\x1b[2J`);
    // A state file's name, shown on its own when the supervisor is gone.
    const gone = report([{ kind: 'gone', supervisor: facts(hostile('old')), removed: true }]).stdout;
    expect(gone.startsWith(`${shown('old')}  gone (`)).toBe(true);
    // For machines, the text exactly as it came.
    const json = JSON.parse(report(rows, { json: true }).stdout) as Array<{ diagnostics: { breaker: { reason: string } }; error?: { message: string } }>;
    expect(json[0]!.diagnostics.breaker.reason).toBe(hostile('reason '));
    expect(json[1]!.error!.message).toContain(hostile('body '));
  });

  it('gives a row that could not be read a note on why, and what to do', () => {
    const supervisor = facts('api', 5100, { http: { url: 'http://127.0.0.1:9000', host: '127.0.0.1', port: 9000, tokenRequired: true } });
    const rows: StatusRow[] = [
      rowFromFetch(supervisor, { kind: 'unauthorized', tokenSent: false }),
      rowFromFetch(facts('b'), { kind: 'unauthorized', tokenSent: true }),
      rowFromFetch(facts('c'), { kind: 'timeout', timeoutMs: 3000 }),
      rowFromFetch(facts('d'), { kind: 'refused' }),
      rowFromFetch(facts('e'), { kind: 'ok', document: { hello: 'world' } }),
      { kind: 'no_status_server', supervisor: facts('f', 6100, { http: null }) },
    ];
    const { stdout, exitCode } = report(rows);
    expect(exitCode).toBe(ExitCode.ok);
    const lines = tableOf(stdout);
    expect(lines[1]).toMatch(/^api +5100 +- +unknown +- +- +status server http:\/\/127\.0\.0\.1:9000 needs a token: set MPM_HTTP_TOKEN \(or http\.token in --config\)$/);
    expect(lines[2]).toMatch(/refused the token \(401\)/);
    expect(lines[3]).toMatch(/did not answer within 3s/);
    expect(lines[4]).toMatch(/refused the connection/);
    expect(lines[5]).toMatch(/gave an answer status cannot read: .*not a \/diagnostics document/);
    expect(lines[6]).toMatch(/^f +6100 +- +unknown +- +- +status server disabled \(http\.enabled is false\): nothing more to read \(supervisor up 1h05m\)$/);
    expect(stdout).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('exit codes and the not-running message', () => {
  it('exit 3 with one line naming where it looked when nothing was found', () => {
    expect(report([])).toEqual({ stdout: 'no supervisor is running (looked in /run/user/1000/mpm-supervise, /run/mpm-supervise)\n', stderr: '', exitCode: ExitCode.notRunning });
    const named = statusReport([], { name: 'chat', dirs: ['/tmp/s'] }, { json: false, paint: noColour, now: NOW });
    expect(named.stdout).toBe('no supervisor named chat is running (looked in /tmp/s)\n');
  });

  it('exit 3 when only stale state files were found, each reported as gone', () => {
    const rows: StatusRow[] = [
      { kind: 'gone', supervisor: facts('chat', 4242), removed: true },
      { kind: 'gone', supervisor: facts('api', 4343), removed: false },
    ];
    const { stdout, exitCode } = report(rows);
    expect(exitCode).toBe(ExitCode.notRunning);
    expect(stdout).toBe(
      'chat  gone (pid 4242 no longer runs; stale state file removed)\n' +
        'api  gone (pid 4343 no longer runs; could not remove the stale state file /run/user/1000/mpm-supervise/api.json)\n' +
        'no supervisor is running (looked in /run/user/1000/mpm-supervise, /run/mpm-supervise)\n',
    );
  });

  it('exit 0 when one runs whatever its health; 1 when some run but none could be read', () => {
    const sick = running(document({ child: { state: 'backoff', pid: null }, health: { status: 'fail' } }));
    const unreadable = rowFromFetch(facts('x'), { kind: 'timeout', timeoutMs: 3000 });
    const gone: StatusRow = { kind: 'gone', supervisor: facts('y'), removed: true };
    expect(report([sick, unreadable, gone]).exitCode).toBe(ExitCode.ok);
    expect(report([{ kind: 'no_status_server', supervisor: facts('z') }]).exitCode).toBe(ExitCode.ok);
    expect(report([unreadable, gone]).exitCode).toBe(ExitCode.internalError);
  });
});

describe('--json', () => {
  it('prints an array with what the table shows, plus the /diagnostics document or the error', () => {
    const doc = document({ child: { restarts: 1 }, recovery: { recentEvents: [event(1, 'restart_service', 'succeeded', 12_000)] } });
    const rows: StatusRow[] = [running(doc), rowFromFetch(facts('api', 5100), { kind: 'unauthorized', tokenSent: false }), { kind: 'gone', supervisor: facts('old', 4242), removed: true }];
    const { stdout, stderr, exitCode } = report(rows, { json: true });
    expect(exitCode).toBe(ExitCode.ok);
    expect(stderr).toBe('');
    const parsed = JSON.parse(stdout) as Json[];
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toMatchObject({
      name: 'chat',
      status: 'running',
      pid: 4100,
      state: 'running',
      statusUrl: 'http://127.0.0.1:8766',
      child: { pid: 4111, state: 'running', restarts: 1, uptime: '3m12s', uptimeSeconds: 192 },
      health: { status: 'healthy', text: 'healthy', worst: null },
      breaker: { state: 'closed', text: 'closed' },
      lastRecovery: { action: 'restart_service', result: 'succeeded', failureClass: 'crashed', text: 'restart_service succeeded 12s ago' },
      diagnostics: doc,
    });
    expect(parsed[1]).toMatchObject({ name: 'api', status: 'unreachable', pid: 5100, error: { kind: 'unauthorized', message: expect.stringMatching(/needs a token: set MPM_HTTP_TOKEN/) } });
    expect(parsed[2]).toMatchObject({ name: 'old', status: 'gone', pid: 4242, removed: true, note: 'pid 4242 no longer runs; stale state file removed' });
  });

  it("shows the last recovery's hang report: its top frame in the details, in lastRecovery, escaped for the terminal", () => {
    const frames = [
      { functionName: 'blockForever\u001b[2J', url: 'file:///srv/chat/dist/faults.js', line: 35, column: 5 },
      { functionName: '', url: 'file:///srv/chat/dist/faults.js', line: 27, column: 62 },
    ];
    const hangReport = { kind: 'stack', frames, depth: 2, tookMs: 80 };
    const killed = event(1, 'emergency_stop', 'succeeded', 12_000, { failureClass: 'hung', detail: 'SIGKILL to the process group at once; new child 4112', hangReport });
    const doc = document({ recovery: { decisions: 1, recentEvents: [killed] } });
    const { stdout } = report([running(doc)]);
    expect(stdout).toContain('  hang report    blocked in blockForever\\x1b[2J (file:///srv/chat/dist/faults.js:35:5)\n');
    const [parsed] = JSON.parse(report([running(doc)], { json: true }).stdout) as Json[];
    expect(parsed?.['lastRecovery']).toMatchObject({ action: 'emergency_stop', hangReport: 'blocked in blockForever\u001b[2J (file:///srv/chat/dist/faults.js:35:5)' });
    const without = JSON.parse(report([running(document({ recovery: { recentEvents: [event(1, 'restart_service', 'succeeded', 12_000)] } }))], { json: true }).stdout) as Json[];
    expect(without[0]?.['lastRecovery']).toMatchObject({ hangReport: null });
    expect(report([running(document({ recovery: { recentEvents: [killed, event(2, 'restart_service', 'succeeded', 1_000)] } }))]).stdout).not.toContain('hang report');
  });

  it('prints [] and the not-running line on stderr when none runs', () => {
    expect(report([], { json: true })).toEqual({ stdout: '[]\n', stderr: 'no supervisor is running (looked in /run/user/1000/mpm-supervise, /run/mpm-supervise)\n', exitCode: ExitCode.notRunning });
  });
});
