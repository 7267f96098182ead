import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanEnv, runCli } from '../helpers/cli-run.js';
import { httpRequest } from '../helpers/http.js';
import { expectAllGone } from '../helpers/processes.js';
import { merge, type Json } from '../helpers/records.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// Alerts and hooks (issue 21) as a user sees them: a real supervisor, a real HTTP receiver
// on 127.0.0.1 and a real command, crashes provoked by a fixture or by the test itself.

const SECRET = 'e2e-hook-secret-0123456789';
const SECRET_PATH = '/services/T0000/B0000/SECRETPATHxyz';

const receivers: WebhookReceiver[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await destroyAllSupervisors();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-hooks-e2e-'));
  dirs.push(dir);
  return dir;
}

async function receiver(answer?: ConstructorParameters<typeof WebhookReceiver>[0]): Promise<WebhookReceiver> {
  const made = await new WebhookReceiver(answer).listen();
  receivers.push(made);
  return made;
}

function writeConfig(dir: string, config: Json, name = 'config.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(merge({ name: 'chat', http: { port: 0 } }, config), null, 2));
  return file;
}

/**
 * A supervisor over the fixture that fails its first `failStarts` starts ("forever": every
 * one) and then stays up until SIGTERM.
 */
function supervise(dir: string, config: Json, failStarts: number | 'forever'): SupervisorProcess {
  const file = writeConfig(dir, config);
  return new SupervisorProcess(['--config', file, '--', 'node', fixturePath('fails-first-starts.mjs')], {
    env: { FAIL_COUNT_FILE: join(dir, 'starts'), FAIL_STARTS: String(failStarts) },
  });
}

const spawnedAs = (generation: number) => (record: LogRecord) => record['event'] === 'child_spawned' && record['generation'] === generation;

async function stopCleanly(supervisor: SupervisorProcess): Promise<void> {
  supervisor.signal('SIGTERM');
  expect(await supervisor.waitForExit()).toEqual({ code: 0, signal: null });
  await expectAllGone(supervisor.childPids());
}

/** "file:line:column" of the hooks list in a config file writeConfig wrote, as an error names it. */
function hooksAt(file: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.startsWith('  "hooks": '));
  return `${file}:${index + 1}:12`;
}

const hmac = (raw: Buffer): string => `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;

describe('hooks', () => {
  it('tell a signed webhook (retried past two 500s) and a command of an unexpected exit, in the log’s words', async () => {
    const dir = tempDir();
    const recorded = join(dir, 'recorded');
    mkdirSync(recorded);
    const webhook = await receiver((_, index) => (index < 2 ? 500 : 200));
    const supervisor = supervise(
      dir,
      {
        hooks: [
          { name: 'ops', on: ['child_exited', 'recovery_started'], url: webhook.url(SECRET_PATH), secret: SECRET, timeoutMs: '5s' },
          { name: 'pager', on: ['child_exited'], command: [fixturePath('hook-recorder.mjs'), recorded, '--team', 'chat'] },
        ],
      },
      1,
    );
    const [started] = await webhook.waitFor('recovery_started');
    const exitRecord = await supervisor.waitForEvent('child_exited');
    const startedRecord = await supervisor.waitForEvent('recovery_started');

    // The exit went out three times, byte for byte the same and signed alike, until a 200.
    const exits = webhook.of('child_exited');
    expect(exits).toHaveLength(3);
    expect(webhook.received.map((request) => request.body['event'])).toEqual(['child_exited', 'child_exited', 'child_exited', 'recovery_started']);
    for (const request of exits) {
      expect(request).toMatchObject({ method: 'POST', path: SECRET_PATH });
      expect(request.raw.equals(exits[0]!.raw)).toBe(true);
      expect(request.headers['x-mpm-signature']).toBe(hmac(request.raw));
      expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'x-mpm-event': 'child_exited', 'x-mpm-delivery': exits[0]!.body['id'] });
    }
    expect(exits[0]!.body).toMatchObject({
      text: `[chat] ${exitRecord.message}`,
      event: 'child_exited',
      supervisor: { name: 'chat', pid: supervisor.pid },
      child: { pid: exitRecord['childPid'], generation: 1 },
      details: { exitCode: 1, signal: null },
    });
    expect(exits[0]!.body['text']).toMatch(/^\[chat\] child \d+ exited with code 1 after \d+ms \(unexpected\)$/);
    expect(started!.body['text']).toBe(`[chat] ${startedRecord.message}`);
    expect(started!.headers['x-mpm-signature']).toBe(hmac(started!.raw));
    // Delivered within its retries: not a failure.
    expect(supervisor.events('hook_failed')).toEqual([]);

    // The command got the same event as JSON on stdin and in its environment.
    await waitUntil(() => readdirSync(recorded).some((name) => name.endsWith('.json')), { what: 'the command hook to write what it got' });
    const [file] = readdirSync(recorded).filter((name) => name.endsWith('.json'));
    const got = JSON.parse(readFileSync(join(recorded, file!), 'utf8')) as { pid: number; args: string[]; stdin: string; env: Record<string, string> };
    expect(got.args).toEqual(['--team', 'chat']);
    expect(JSON.parse(got.stdin)).toEqual(exits[0]!.body);
    expect(got.env).toEqual({ MPM_HOOK: 'pager', MPM_EVENT: 'child_exited', MPM_EVENT_ID: exits[0]!.body['id'], MPM_EVENT_JSON: got.stdin });

    // /diagnostics shows the hooks as `config print` does; /metrics counts the deliveries.
    const status = await supervisor.statusUrl();
    const diagnostics = await httpRequest(`${status}/diagnostics`);
    expect(diagnostics.body).toContain(webhook.url('/[redacted]'));
    const counted = ['mpm_hook_deliveries_total{hook="ops",result="delivered"} 2', 'mpm_hook_deliveries_total{hook="pager",result="delivered"} 1'];
    let metrics = await httpRequest(`${status}/metrics`);
    // Counted once each delivery's answer (or the command's exit) is in, a moment after the receiver saw it.
    await waitUntil(
      async () => {
        metrics = await httpRequest(`${status}/metrics`);
        return counted.every((line) => metrics.body.includes(line));
      },
      { what: `${counted.join(' and ')} in /metrics` },
    );

    await stopCleanly(supervisor);
    await expectAllGone([got.pid]);
    // Neither the secret nor the URL's path is anywhere in what the supervisor wrote.
    for (const text of [supervisor.stdout, supervisor.stderr, diagnostics.body, metrics.body]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('SECRETPATH');
    }
    expect(supervisor.events('hooks_ready')[0]?.message).toBe(
      `hooks: ops (${webhook.url('/[redacted]')}, on child_exited, recovery_started); pager (${fixturePath('hook-recorder.mjs')}, on child_exited)`,
    );
  });

  it('log a receiver that keeps failing once per episode, and once more when it delivers again', async () => {
    const dir = tempDir();
    let failing = true;
    const webhook = await receiver(() => (failing ? 500 : 200));
    const supervisor = supervise(dir, { hooks: [{ name: 'ops', on: ['child_exited', 'recovery_started'], url: webhook.url(), retries: 0 }] }, 0);
    for (let generation = 1; generation <= 2; generation += 1) {
      const spawned = await supervisor.waitForRecord(spawnedAs(generation), { what: `child ${generation}` });
      process.kill(Number(spawned['childPid']), 'SIGKILL');
      await webhook.waitFor('recovery_started', { count: generation });
    }
    // Four events failed; one line said so.
    await supervisor.waitForRecord(spawnedAs(3), { what: 'child 3' });
    await waitUntil(() => webhook.received.length === 4, { what: 'four failed deliveries' });
    failing = false;
    process.kill(supervisor.childPids().at(-1)!, 'SIGKILL');
    const recovered = await supervisor.waitForEvent('hook_recovered');
    expect(recovered).toMatchObject({ level: 'info', hook: 'ops', kind: 'webhook', target: webhook.url('/[redacted]'), failed: 4, dropped: 0 });
    const failed = supervisor.events('hook_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'warn', hook: 'ops', why: `${webhook.url('/[redacted]')} answered 500` });
    expect(failed[0]!.message).toBe(`hook ops failed: ${webhook.url('/[redacted]')} answered 500; further failures of this hook are counted, not logged, until it delivers again`);
    await stopCleanly(supervisor);
  });

  it('never delay a restart: a receiver that does not answer holds its hook, not the child; a reload moves the hooks; exit does not wait for it', async () => {
    const dir = tempDir();
    const silent = await receiver(() => 'hang');
    const supervisor = supervise(dir, { hooks: [{ name: 'ops', on: ['child_exited', 'recovery_started'], url: silent.url(), timeoutMs: '5m', retries: 0 }] }, 1);
    await supervisor.waitForRecord(spawnedAs(2), { what: 'the respawned child' });
    await silent.waitFor('child_exited');
    // The respawn happened while the hook's POST still waits for an answer.
    expect(silent.openConnections).toBeGreaterThanOrEqual(1);
    expect(supervisor.events('recovery_started')).toMatchObject([{ action: 'restart_service', failureClass: 'crashed', message: expect.stringMatching(/\(respawn at once \(attempt 1\)\)$/) }]);
    expect(supervisor.records.filter((record) => String(record['event']).startsWith('hook_'))).toEqual([]);
    const order = supervisor.records.map((record) => record['event']).filter((event) => ['child_exited', 'recovery_started', 'child_spawned'].includes(String(event)));
    expect(order).toEqual(['child_spawned', 'child_exited', 'recovery_started', 'child_spawned']);

    // A reload with a hook whose program is missing is refused; the hooks stay as they are.
    const config = join(dir, 'config.json');
    writeConfig(dir, { hooks: [{ name: 'pager', on: ['*'], command: ['no-such-pager-program'] }] });
    supervisor.signal('SIGHUP');
    const refused = await supervisor.waitForEvent('config_reload_refused');
    expect(refused.message).toBe(`config reload refused, the running config stays: ${hooksAt(config)}: hooks[0].command: "no-such-pager-program" is not found on PATH`);

    // A good one applies at once: the next exit goes to the new receiver.
    const good = await receiver(() => 200);
    writeConfig(dir, { hooks: [{ name: 'ops-2', on: ['child_exited'], url: good.url(), retries: 0 }] });
    const from = supervisor.records.length;
    supervisor.signal('SIGHUP');
    await supervisor.waitForRecord((record) => record['event'] === 'config_reloaded' && record['message'] !== 'config reloaded: nothing changed', { from, what: 'the reload' });
    await supervisor.waitForRecord((record) => record['event'] === 'hooks_ready', { from, what: 'the new hooks' });
    process.kill(supervisor.childPids().at(-1)!, 'SIGKILL');
    const [exit] = await good.waitFor('child_exited');
    expect(exit!.body['child']).toMatchObject({ generation: 2 });
    expect(silent.of('child_exited')).toHaveLength(1);

    // The old hook's queued event went with it; its POST still hangs, and exit abandons it
    // after a bounded wait, and says so.
    supervisor.signal('SIGTERM');
    expect(await supervisor.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(supervisor.events('hook_abandoned')).toMatchObject([
      { level: 'warn', hook: 'ops', count: 1, why: 'removed' },
      { level: 'warn', hook: 'ops', count: 1, why: 'exit', message: 'hook ops: 1 event(s) not delivered: the supervisor exits and waits no longer' },
    ]);
    await waitUntil(() => silent.openConnections === 0, { what: 'the unanswered POST to be closed' });
  });

  it('deliver "recovery gave up" before the supervisor exits with 75', async () => {
    const dir = tempDir();
    const webhook = await receiver(() => 200);
    const supervisor = supervise(
      dir,
      {
        recovery: { circuitBreaker: { failureThreshold: 1, maxOpenCycles: 1 } },
        hooks: [{ name: 'ops', on: ['breaker_opened', 'recovery_gave_up'], url: webhook.url(), secret: SECRET }],
      },
      'forever',
    );
    expect(await supervisor.waitForExit()).toEqual({ code: 75, signal: null });
    expect(webhook.received.map((request) => request.body['event'])).toEqual(['breaker_opened', 'recovery_gave_up']);
    const [gaveUp] = webhook.of('recovery_gave_up');
    expect(gaveUp!.body['text']).toMatch(/^\[chat\] recovery gave up: the circuit breaker opened 1 time\(s\) in a row .*; the supervisor stops the child and exits with 75$/);
    expect(gaveUp!.headers['x-mpm-signature']).toBe(hmac(gaveUp!.raw));
    expect(supervisor.events('hook_abandoned')).toEqual([]);
  });
});

describe('hooks in the config', () => {
  it.each([
    ['a URL that is not http(s)', [{ name: 'ops', on: ['*'], url: 'ftp://alerts.example.com/in' }], 'hooks[0].url: expected an http:// or https:// URL, got "ftp://alerts.example.com/[redacted]"'],
    ['a command that is not on PATH', [{ name: 'pager', on: ['*'], command: ['no-such-pager-program', '--now'] }], 'hooks[0].command: "no-such-pager-program" is not found on PATH'],
  ])('refuse %s at start: one line, exit 78, nothing started', async (_, hooks, message) => {
    const dir = tempDir();
    const file = writeConfig(dir, { hooks });
    const start = await runCli(['--config', file, '--', 'node', fixturePath('fails-first-starts.mjs')], { env: { MPM_STATE_DIR: dir } });
    expect(start.code).toBe(78);
    expect(start.stderr).toBe(`mpm-supervise: ${hooksAt(file)}: ${message}\n`);
    expect(start.stdout).toBe('');
  });

  it('refuse a missing program in config validate too', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, { hooks: [{ name: 'pager', on: ['*'], command: ['./no-such-pager-script'] }] });
    const validate = await runCli(['config', 'validate', '--config', file, '--', 'node', 'server.js']);
    expect(validate.code).toBe(78);
    expect(validate.stdout).toBe(`error: ${hooksAt(file)}: hooks[0].command: ${join(dir, 'no-such-pager-script')} does not exist\n${file}: invalid: 1 error, 0 warnings\n`);
  });

  it('print a webhook by its origin, and no secret', async () => {
    const hooks = [{ name: 'ops', on: ['recovery_gave_up'], url: `https://hooks.slack.com${SECRET_PATH}`, secret: SECRET }];
    const printed = await runCli(['config', 'print', '--', 'node', 'server.js'], { env: cleanEnv({ MPM_HOOKS: JSON.stringify(hooks) }) });
    expect(printed.code).toBe(0);
    expect((JSON.parse(printed.stdout) as { hooks: unknown }).hooks).toEqual([{ name: 'ops', on: ['recovery_gave_up'], url: 'https://hooks.slack.com/[redacted]', secret: '[redacted]' }]);
    expect(printed.stdout + printed.stderr).not.toContain(SECRET);
  });
});
