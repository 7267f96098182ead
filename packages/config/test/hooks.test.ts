import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { diffConfigs, loadConfig, REDACTED, redactConfig, type Config, type Finding, type LoadRequest } from '../src/index.js';

// The `hooks` key (issue 21) through the records plumbing: a file and a variable, the
// place an error names, what a user reads, and secrets that never show.

// Made at once: the describe blocks below load configs while they are collected.
const dir = mkdtempSync(join(tmpdir(), 'mpm-hooks-config-'));
let counter = 0;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETPATH';
const SECRET = 'sign-with-this-0123456789';

function request(overrides: Partial<LoadRequest>): LoadRequest {
  return { configFile: null, env: {}, flags: [], commandLine: ['node', 'server.js'], cwd: dir, ...overrides };
}

/** A config file whose `hooks` is written on line 3, column 12 (the list's opening bracket). */
function fileWith(hooks: unknown): string {
  const file = join(dir, `config-${(counter += 1)}.json`);
  writeFileSync(file, `{\n  "name": "chat",\n  "hooks": ${JSON.stringify(hooks)}\n}\n`);
  return file;
}

function loaded(overrides: Partial<LoadRequest>): Config {
  const outcome = loadConfig(request(overrides));
  if (!outcome.ok) throw new Error(`expected the config to load: ${outcome.errors.map((error) => error.message).join(' | ')}`);
  return outcome.loaded.config;
}

function onlyError(overrides: Partial<LoadRequest>): Finding {
  const outcome = loadConfig(request(overrides));
  if (outcome.ok) throw new Error('expected the config to be refused');
  expect(outcome.errors).toHaveLength(1);
  const [error] = outcome.errors as [Finding];
  expect(error.message).not.toMatch(/[\r\n]/);
  return error;
}

const webhook = { name: 'ops', on: ['child_exited', 'recovery_gave_up'], url: SLACK, secret: SECRET, timeoutMs: '2s', retries: 2 };
const command = { name: 'pager', on: ['*'], command: ['/usr/local/bin/page-me', '--team', 'chat'] };

describe('hooks', () => {
  it('are none by default', () => {
    expect(loaded({}).hooks).toEqual([]);
  });

  it('come from a file, durations read as durations and the rest as written', () => {
    const config = loaded({ configFile: fileWith([webhook, command]) });
    expect(config.hooks).toEqual([{ ...webhook, timeoutMs: 2000 }, command]);
  });

  it('come from MPM_HOOKS as JSON', () => {
    const config = loaded({ env: { MPM_HOOKS: JSON.stringify([command]) } });
    expect(config.hooks).toEqual([command]);
  });

  it.each<[string, unknown, string]>([
    ['a URL of another scheme', [{ ...webhook, url: 'ftp://x' }], 'hooks[0].url: expected an http:// or https:// URL, got "ftp://x"'],
    [
      'an unknown event',
      [{ ...command, on: ['crash'] }],
      'hooks[0].on[0]: expected an event name (recovery_started, recovery_failed, breaker_opened, breaker_closed, recovery_gave_up, health_critical, child_exited) or "*" for all of them, got "crash"',
    ],
    ['no events', [{ ...command, on: [] }], 'hooks[0].on: expected at least one event name, or ["*"], got a list'],
    ['neither command nor url', [{ name: 'x', on: ['*'] }], 'hooks[0]: expected "command" (a list like ["/usr/local/bin/page-me", "chat"]) or "url" (an http:// or https:// URL), got an object'],
    ['both command and url', [{ ...command, url: 'https://example.com/' }], 'hooks[0].url: a hook has "command" or "url", not both (make two hooks), got "https://example.com"'],
    ['a webhook field on a command', [{ ...command, retries: 2 }], 'hooks[0].retries: only a webhook ("url") has "retries", got 2'],
    ['a misspelt field', [{ ...command, tiemoutMs: '1s' }], 'hooks[0]: unknown field "tiemoutMs" (did you mean "timeoutMs"?); a hook has name, on, command, url, timeoutMs, secret, retries, headers'],
    ['a timeout out of range', [{ ...command, timeoutMs: '20m' }], 'hooks[0].timeoutMs: expected a duration from 100ms to 10m (milliseconds, or a string like "5s"), got "20m"'],
    ['retries out of range', [{ ...webhook, retries: 50 }], 'hooks[0].retries: expected an integer from 0 to 10, got 50'],
    [
      'a command given as a line',
      [{ ...command, command: '/bin/page-me --team chat' }],
      'hooks[0].command: expected a list of strings like ["/usr/local/bin/page-me", "--team", "chat"] (it is never given to a shell), got "/bin/page-me --team chat"',
    ],
    ['an unusable name', [{ ...command, name: 'on call' }], 'hooks[0].name: expected a name of letters, digits, ".", "_" or "-" (at most 64), got "on call"'],
    ['a header the supervisor sets', [{ ...webhook, headers: { 'Content-Type': 'text/plain' } }], 'hooks[0].headers.Content-Type: the supervisor sets Content-Type itself, got a string (hidden)'],
    ['not a list', { name: 'x' }, 'hooks: expected a list of at most 32 hooks like [{"name": "ops", "on": ["child_exited"], "url": "https://hooks.example.com/…"}], got {"name":"x"}'],
  ])('refuse %s, naming the entry and the field in the file', (_, hooks, message) => {
    const file = fileWith(hooks);
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ severity: 'error', key: 'hooks' });
    expect(error.message).toBe(`${file}:3:12: ${message}`);
  });

  it('refuse two hooks of one name (a name is a log field and a metric label)', () => {
    const file = fileWith([command, { ...webhook, name: 'pager' }]);
    expect(onlyError({ configFile: file }).message).toBe(`${file}:3:12: hooks[1].name: already the name of [0]; each must be different, got "pager"`);
  });

  it('name the variable when the entry came from MPM_HOOKS', () => {
    const error = onlyError({ env: { MPM_HOOKS: JSON.stringify([{ ...webhook, url: 'gopher://x' }]) } });
    expect(error.message).toBe('MPM_HOOKS (hooks[0].url): expected an http:// or https:// URL, got "gopher://x"');
  });

  it('never show a secret, a URL path or a header value in an error', () => {
    const shortSecret = onlyError({ configFile: fileWith([{ ...webhook, secret: 'too-short' }]) });
    expect(shortSecret.message).toMatch(/hooks\[0\]\.secret: expected a secret of at least 16 characters, got a string \(hidden\)$/);
    const badHeader = onlyError({ configFile: fileWith([{ ...webhook, headers: { 'X-Team': 'private\u0001value' } }]) });
    expect(badHeader.message).toMatch(/hooks\[0\]\.headers\.X-Team: expected a header value .*, got a string \(hidden\)$/);
    const both = onlyError({ configFile: fileWith([{ ...webhook, command: ['x'] }]) });
    expect(both.message).toMatch(/hooks\[0\]\.url: .*, got "https:\/\/hooks\.slack\.com\/\[redacted\]"$/);
    for (const error of [shortSecret, badHeader, both]) {
      const text = JSON.stringify(error);
      for (const secret of ['too-short', 'private', 'XXXXSECRETPATH', SECRET]) expect(text).not.toContain(secret);
    }
  });
});

describe('hooks as shown (config print, /diagnostics, reload lines)', () => {
  const config = loaded({
    configFile: fileWith([{ ...webhook, url: 'https://bot:pw@alerts.example.com:8443/hook?key=abc', headers: { Authorization: 'Bearer tok-1', 'X-Team': 'team-ops-7' } }, command]),
  });

  it('show a webhook URL by its origin, and no secret, header value or credential', () => {
    const shown = redactConfig(config)['hooks'];
    expect(shown).toEqual([
      {
        name: 'ops',
        on: ['child_exited', 'recovery_gave_up'],
        url: `https://${REDACTED}@alerts.example.com:8443/${REDACTED}`,
        secret: REDACTED,
        timeoutMs: 2000,
        retries: 2,
        headers: { Authorization: REDACTED, 'X-Team': REDACTED },
      },
      command,
    ]);
    const text = JSON.stringify(shown);
    for (const secret of [SECRET, 'pw', '/hook', 'key=abc', 'tok-1', 'team-ops-7']) expect(text).not.toContain(secret);
  });

  it('show a URL without a path as its origin', () => {
    const plain = loaded({ env: { MPM_HOOKS: JSON.stringify([{ ...webhook, url: 'http://127.0.0.1:9000' }]) } });
    expect(redactConfig(plain)['hooks']).toMatchObject([{ url: 'http://127.0.0.1:9000' }]);
  });

  it('say a reload changed the hooks without showing either secret', () => {
    const before = loaded({ env: { MPM_HOOKS: JSON.stringify([webhook]) } });
    const after = loaded({ env: { MPM_HOOKS: JSON.stringify([{ ...webhook, url: `${SLACK}-NEW`, secret: `${SECRET}-new` }]) } });
    const changes = diffConfigs(before, after);
    expect(changes).toEqual([{ key: 'hooks', from: expect.any(Array), to: expect.any(Array), applies: 'now' }]);
    const text = JSON.stringify(changes);
    for (const secret of ['XXXXSECRETPATH', SECRET]) expect(text).not.toContain(secret);
  });
});
