import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultConfig, LiveConfig, loadConfig, showName, showValue, type Finding, type LoadedConfig, type LoadOutcome, type LoadRequest } from '../src/index.js';

// What a config file made to hurt the supervisor gets: a one-line finding, never an
// exception, a stall or an answer that takes longer the more keys there are.

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-config-hostile-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(text: string, name = `config-${(counter += 1)}.json`): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function load(overrides: Partial<LoadRequest>): LoadOutcome {
  return loadConfig({ configFile: null, env: {}, flags: [], commandLine: [], cwd: dir, ...overrides });
}

function findingsOf(outcome: LoadOutcome): readonly Finding[] {
  return outcome.ok ? outcome.warnings : [...outcome.warnings, ...outcome.errors];
}

/** The one error of a refused config; every finding is one line. */
function onlyError(outcome: LoadOutcome): string {
  for (const finding of findingsOf(outcome)) expect(finding.message).not.toMatch(/[\r\n]/);
  if (outcome.ok) throw new Error('expected the config to be refused, but it loaded');
  expect(outcome.errors).toHaveLength(1);
  return outcome.errors[0]!.message;
}

const nested = (depth: number, inner = '1'): string => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
const lists = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('a file nested too deep', () => {
  it.each([
    ['unknown keys', nested(5000), 1, 5 * 64 + 1],
    ['the env map', `{"env": ${nested(5000)}}`, 1, 9 + 5 * 63],
    ['the command', `{\n  "command": ${lists(5000)}\n}`, 2, 14 + 63],
    // Brackets the parser's error recovery leaves open without a close it would count.
    ['a broken file', `[${'[},'.repeat(5000)}]`, 1, 2 + 63 * 3],
  ])('is refused in %s, naming line, column and the limit', (_, text, line, column) => {
    const file = writeConfig(text);
    expect(onlyError(load({ configFile: file }))).toBe(`${file}:${line}:${column}: nested too deep: more than 64 levels of objects and lists`);
  });

  it('loads at 64 levels', () => {
    const file = writeConfig(`{"command": ["node"], "extra": ${nested(63)}}`);
    const outcome = load({ configFile: file });
    expect(outcome.ok).toBe(true);
  });

  it('is refused from an MPM_* variable too, naming the variable', () => {
    const message = onlyError(load({ env: { MPM_COMMAND: lists(60_000) } }));
    expect(message).toMatch(/^MPM_COMMAND \(command\): expected a list of strings .*, got "\[\[\[\[/);
    expect(message.length).toBeLessThan(300);
  });
});

describe('a file that is not a regular file or too big', () => {
  it('is refused when bigger than 1 MiB, naming its size and the limit', () => {
    const file = writeConfig(`{"name": "${'a'.repeat(Math.round(3.2 * 2 ** 20))}"}`);
    expect(onlyError(load({ configFile: file }))).toBe(`${file}: config file is 3.2 MiB, more than the 1 MiB limit`);
    const justOver = writeConfig(`{"name": "${'a'.repeat(2 ** 20)}"}`);
    expect(onlyError(load({ configFile: justOver }))).toBe(`${justOver}: config file is 1,048,588 bytes, more than the 1 MiB limit (1,048,576 bytes)`);
  });

  it('is refused at once when it is a FIFO, which nobody writes to', () => {
    const fifo = join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    expect(onlyError(load({ configFile: fifo }))).toBe(`${fifo}: cannot read the config file: it is a FIFO (named pipe), not a regular file`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('is refused when it is a device that never ends', () => {
    expect(onlyError(load({ configFile: '/dev/zero' }))).toBe('/dev/zero: cannot read the config file: it is a character device, not a regular file');
  });

  it('is read through a symbolic link to a regular file', () => {
    const target = writeConfig('{"name": "through-a-link"}');
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const outcome = load({ configFile: link });
    expect(outcome.ok && outcome.loaded.config.name).toBe('through-a-link');
  });
});

/** `{"k0": 0, "k1": 1, …}` */
const wide = (count: number, name = (i: number): string => `k${i}`): string => `{${Array.from({ length: count }, (_, i) => `"${name(i)}": ${i}`).join(',\n')}}`;

/**
 * The fastest of a few loads, in ms: the least disturbed by whatever else the machine does.
 * The tests compare two sizes on the same machine at the same moment (a ratio), never a time
 * against a limit: linear work grows 4× with 4× the keys, a quadratic scan 16×.
 */
function fastestLoadMs(file: string): number {
  let fastest = Infinity;
  for (let run = 0; run < 3; run += 1) {
    const started = performance.now();
    load({ configFile: file });
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

describe('many keys', () => {
  it('take time in proportion to their number: 40,000 unknown keys take less than 10× as long as 10,000', () => {
    const file = writeConfig(wide(40_000));
    const outcome = load({ configFile: file });
    expect(outcome.ok).toBe(true);
    expect(fastestLoadMs(file) / fastestLoadMs(writeConfig(wide(10_000)))).toBeLessThan(10);
  });

  it('take time in proportion to their number: 80,000 duplicate known keys take less than 10× as long as 20,000', () => {
    const file = writeConfig(`{${Array.from({ length: 80_000 }, () => '"name": "a"').join(',')}}`);
    const outcome = load({ configFile: file });
    expect(outcome.ok && outcome.loaded.config.name).toBe('a');
    expect(fastestLoadMs(file) / fastestLoadMs(writeConfig(`{${Array.from({ length: 20_000 }, () => '"name": "a"').join(',')}}`))).toBeLessThan(10);
  });

  it('give the first 20 unknown keys and one line for the rest', () => {
    const file = writeConfig(wide(40_000));
    const outcome = load({ configFile: file });
    const warnings = findingsOf(outcome);
    expect(warnings).toHaveLength(21);
    expect(warnings[19]?.message).toBe(`${file}:20:1: unknown key "k19"; it is ignored`);
    expect(warnings[20]).toMatchObject({ severity: 'warning', code: 'unknown_key', omitted: 39_980 });
    expect(warnings[20]?.message).toBe(`${file}: … and 39,980 more unknown keys (not shown)`);
  });

  it('give the first 20 unknown MPM_* variables and one line for the rest', () => {
    const env = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`MPM_NOT_A_KEY_${i}`, 'x']));
    const warnings = findingsOf(load({ env }));
    expect(warnings).toHaveLength(21);
    expect(warnings[20]?.message).toBe('… and 30 more unknown MPM_* variables (not shown)');
  });

  it('give the first 20 errors of a kind and one line for the rest', () => {
    const file = writeConfig(`{${Array.from({ length: 1000 }, () => '"health": 1').join(',')}}`);
    const outcome = load({ configFile: file });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors).toHaveLength(21);
    expect(outcome.errors[20]?.message).toBe(`${file}: … and 980 more errors like these (not shown)`);
  });
});

describe('numbers too large for a double', () => {
  it('are named as written, with the key and what is expected', () => {
    const file = writeConfig('{"health": {"checkIntervalMs": 1e309}}');
    expect(onlyError(load({ configFile: file }))).toBe(
      `${file}:1:32: health.checkIntervalMs: expected a duration from 100ms to 1h (milliseconds, or a string like "5s"), got 1e309, a number too large`,
    );
  });

  it('are named inside a map or a list too', () => {
    const file = writeConfig('{"env": {"A": "ok", "B": -1e400}}');
    expect(onlyError(load({ configFile: file }))).toBe(`${file}:1:26: env: expected an object of variable names to strings, like {"NODE_ENV": "production"}, got -1e400, a number too large`);
  });

  it('from an MPM_* variable are named as written', () => {
    const digits = '9'.repeat(400);
    expect(onlyError(load({ env: { MPM_HEALTH_FAILURE_THRESHOLD: digits } }))).toMatch(/^MPM_HEALTH_FAILURE_THRESHOLD \(health.failureThreshold\): expected an integer from 1 to 100, got "9{20,}…$/);
  });

  it('show as such when a message shows them', () => {
    expect(showValue(Number.POSITIVE_INFINITY)).toBe('a number too large');
    expect(showValue(Number.NaN)).toBe('not a number');
  });
});

describe('names that are not usable', () => {
  it('warn that env.__proto__ is ignored, and pass constructor and prototype on', () => {
    const file = writeConfig('{"env": {"__proto__": "x", "constructor": "c", "prototype": "p", "GREETING": "hi"}}');
    const outcome = load({ configFile: file });
    if (!outcome.ok) throw new Error(outcome.errors.map((error) => error.message).join(' | '));
    expect(outcome.warnings.map((warning) => warning.message)).toEqual([`${file}:1:10: env.__proto__ is not a usable variable name; it is ignored`]);
    expect(outcome.warnings[0]).toMatchObject({ code: 'unusable_name', key: 'env.__proto__' });
    expect(Object.entries(outcome.loaded.config.env)).toEqual([
      ['constructor', 'c'],
      ['prototype', 'p'],
      ['GREETING', 'hi'],
    ]);
  });

  it('warn that __proto__ in MPM_ENV is ignored', () => {
    const outcome = load({ env: { MPM_ENV: '{"__proto__": "x", "A": "a"}' } });
    if (!outcome.ok) throw new Error(outcome.errors.map((error) => error.message).join(' | '));
    expect(outcome.warnings.map((warning) => warning.message)).toEqual(['MPM_ENV (env): env.__proto__ is not a usable variable name; it is ignored']);
    expect(outcome.loaded.config.env).toEqual({ A: 'a' });
  });

  it('pollute no prototype, at the top level, in a group or in a value', () => {
    const file = writeConfig(
      '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "health": {"__proto__": {"polluted": 3}}, "command": ["node"], "env": {"__proto__": {"polluted": 4}}}',
    );
    const outcome = load({ configFile: file, env: { MPM___PROTO__: '{"polluted": 5}', MPM_ENV: '{"__proto__": {"polluted": 6}}' } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(outcome.ok && outcome.loaded.config.env).toEqual({});
  });
});

describe('names and values a message shows', () => {
  it('are cut short when long', () => {
    const file = writeConfig(`{"${'k'.repeat(1_000_000)}": 1}`);
    const outcome = load({ configFile: file });
    const [warning] = findingsOf(outcome);
    expect(warning?.message).toBe(`${file}:1:2: unknown key "${'k'.repeat(60)}…"; it is ignored`);
    expect(warning?.key).toBe(`${'k'.repeat(60)}…`);
  });

  it('escape control, C1 and bidirectional characters', () => {
    const name = 'a\u001b[31mb\u0085c\u009bd\u202ee\u2066f\u2069g\u2028h\u007f';
    expect(showName(name)).toBe('"a\\u001b[31mb\\u0085c\\u009bd\\u202ee\\u2066f\\u2069g\\u2028h\\u007f"');
    // Cut short where an escape would be cut in two.
    expect(showValue({ [name]: name })).toBe('{"a\\u001b[31mb\\u0085c\\u009bd\\u202ee\\u2066f\\u2069g\\u2028h…');
    const file = writeConfig(JSON.stringify({ [name]: 1, name }));
    for (const finding of findingsOf(load({ configFile: file }))) {
      expect(finding.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
      expect(finding.key ?? '').not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
    }
  });

  it('keep a long given value short in a correction', () => {
    const file = writeConfig(`{"health": {"checkIntervalMs": "${' '.repeat(500_000)}99h"}}`);
    const outcome = load({ configFile: file });
    const [warning] = findingsOf(outcome);
    expect(warning).toMatchObject({ code: 'out_of_range', used: 3_600_000 });
    expect(String(warning?.given).length).toBeLessThan(100);
    expect(warning?.message.length).toBeLessThan(300);
  });
});

describe('a NUL character, which no path, argument or variable can carry', () => {
  it('is refused in the command, the env map and a path, naming each key', () => {
    const file = writeConfig('{"command": ["node", "a\\u0000b"],\n "env": {"A": "x\\u0000"},\n "log": {"file": "/tmp/x\\u0000y.log"}}');
    const outcome = load({ configFile: file });
    if (outcome.ok) throw new Error('expected the config to be refused, but it loaded');
    expect(outcome.errors.map((error) => error.message)).toEqual([
      `${file}:1:13: command: expected a list of strings like ["node", "server.js"] (it is never given to a shell), or null, without NUL characters, got ["node","a\\u0000b"]`,
      `${file}:2:9: env: expected an object of variable names to strings, like {"NODE_ENV": "production"}, without NUL characters, got {"A":"x\\u0000"}`,
      `${file}:3:18: log.file: expected a path, or null, without NUL characters, got "/tmp/x\\u0000y.log"`,
    ]);
  });

  it('is refused from an MPM_* variable too', () => {
    expect(onlyError(load({ env: { MPM_ENV: '{"A": "x\\u0000"}' } }))).toBe(
      'MPM_ENV (env): expected an object of variable names to strings, like {"NODE_ENV": "production"}, without NUL characters, got {"A":"x\\u0000"}',
    );
  });
});

describe('an exception in the loader', () => {
  it('is a refused config at start, one line', () => {
    const outcome = load({ flags: [{ path: 'no.such.key', flag: '--nothing', value: 1 }] });
    expect(onlyError(outcome)).toBe('the config could not be loaded: flag --nothing sets an unknown key no.such.key');
  });

  it('is a refused reload, and the running config stays', () => {
    const initial: LoadedConfig = { config: defaultConfig(), sources: new Map(), file: null };
    const live = new LiveConfig(initial, () => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    const outcome = live.reload();
    expect(outcome).toMatchObject({ kind: 'refused', errors: [{ severity: 'error', message: 'the config could not be loaded: Maximum call stack size exceeded' }] });
    expect(live.loaded).toBe(initial);
  });
});
