import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { isProcessAlive } from '@mpm/child';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';

// A config file made to hurt the supervisor (nested too deep, endless, huge, full of
// unknown keys or of characters a terminal obeys) gets one line naming the file, the
// place and the limit: exit 78 at start, a refused reload on SIGHUP, and the supervisor
// and its child go on.

const printEnv = fixturePath('print-env.mjs');
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-config-hostile-e2e-'));
});

afterEach(async () => {
  await destroyAllSupervisors();
  rmSync(dir, { recursive: true, force: true });
});

function configFile(content: unknown, name = 'mpm.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content)}\n`);
  return file;
}

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const supervisor = new SupervisorProcess(args, { env: { MPM_HTTP_PORT: undefined } });
  const { code } = await supervisor.waitForExit();
  return { code, stdout: supervisor.stdout, stderr: supervisor.stderr };
}

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const lists = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const DEEP_MESSAGE = 'nested too deep: more than 64 levels of objects and lists';

async function childReport(supervisor: SupervisorProcess): Promise<LogRecord> {
  return supervisor.waitForRecord((record) => record.source === 'child' && record.message.startsWith('env '), { what: 'the child to print its env' });
}

describe('a config nested 5,000 deep', () => {
  it('is refused by config validate with one line naming file, line, column and the limit', async () => {
    const file = configFile(`{"env": ${nested(5000)}}`);
    const { code, stdout, stderr } = await cli(['config', 'validate', '--config', file]);
    expect(stdout.trimEnd().split('\n')).toEqual([`error: ${file}:1:324: ${DEEP_MESSAGE}`, `${file}: invalid: 1 error, 0 warnings`]);
    expect(stderr).toBe('');
    expect(code).toBe(78);
  });

  it('stops a start with exit 78 and one line, nothing spawned', async () => {
    const file = configFile(`{"command": ${lists(5000)}}`);
    const { code, stdout, stderr } = await cli(['run', '--config', file, '--', 'node', printEnv]);
    expect(stderr).toBe(`mpm-supervise: ${file}:1:76: ${DEEP_MESSAGE}\n`);
    expect(stdout).toBe('');
    expect(code).toBe(78);
  });
});

describe('a config file that is not a regular file or is too big', () => {
  it('is refused at start: /dev/zero, a FIFO and 3.2 MiB each get one line and exit 78', async () => {
    const zero = await cli(['run', '--config', '/dev/zero', '--', 'node', printEnv]);
    expect(zero.stderr).toBe('mpm-supervise: /dev/zero: cannot read the config file: it is a character device, not a regular file\n');
    expect(zero.code).toBe(78);

    const fifo = join(dir, 'mpm.fifo');
    execFileSync('mkfifo', [fifo]);
    const piped = await cli(['config', 'validate', '--config', fifo]);
    expect(piped.stdout).toContain(`error: ${fifo}: cannot read the config file: it is a FIFO (named pipe), not a regular file\n`);
    expect(piped.code).toBe(78);

    const big = configFile(`{"name": "${'a'.repeat(Math.round(3.2 * 2 ** 20))}"}`, 'big.json');
    const huge = await cli(['run', '--config', big, '--', 'node', printEnv]);
    expect(huge.stderr).toBe(`mpm-supervise: ${big}: config file is 3.2 MiB, more than the 1 MiB limit\n`);
    expect(huge.code).toBe(78);
  });
});

describe('SIGHUP with a hostile config file', () => {
  it('refuses a file nested too deep, a FIFO, a link to /dev/zero and a file over 1 MiB; the supervisor and its child go on and a good file still applies', async () => {
    const file = configFile({ command: ['node', printEnv], child: { killTimeoutMs: '2s' } });
    const supervisor = new SupervisorProcess(['--config', file]);
    const childPid = Number((await childReport(supervisor))['pid']);

    const refusedWith = async (what: string): Promise<LogRecord> => {
      const from = supervisor.records.length;
      supervisor.signal('SIGHUP');
      const refused = await supervisor.waitForEvent('config_reload_refused', { from });
      expect(refused['errors']).toEqual([what]);
      expect(refused.message).toBe(`config reload refused, the running config stays: ${what}`);
      return refused;
    };

    configFile(`{"command": ["node", ${lists(5000)}]}`);
    await refusedWith(`${file}:1:84: ${DEEP_MESSAGE}`);

    unlinkSync(file);
    execFileSync('mkfifo', [file]);
    await refusedWith(`${file}: cannot read the config file: it is a FIFO (named pipe), not a regular file`);

    unlinkSync(file);
    symlinkSync('/dev/zero', file);
    await refusedWith(`${file}: cannot read the config file: it is a character device, not a regular file`);

    unlinkSync(file);
    configFile(`{"env": {"A": ${'"x",'.repeat(300_000)} "B": "y"}}`);
    await refusedWith(`${file}: config file is 1.1 MiB, more than the 1 MiB limit`);

    expect(supervisor.events('child_spawned')).toHaveLength(1);
    expect(isProcessAlive(childPid)).toBe(true);

    configFile({ command: ['node', printEnv], child: { killTimeoutMs: '3s' } });
    const from = supervisor.records.length;
    supervisor.signal('SIGHUP');
    expect((await supervisor.waitForEvent('config_reloaded', { from }))['changes']).toEqual([{ key: 'child.killTimeoutMs', from: 2000, to: 3000, applies: 'now' }]);

    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);
    await expectAllGone([childPid]);
  });
});

describe('40,000 unknown keys', () => {
  const wide = (): string => `{"command": ["node", ${JSON.stringify(printEnv)}], ${Array.from({ length: 40_000 }, (_, i) => `"k${i}": ${i}`).join(', ')}}`;

  it('are 20 warnings and one line for the rest in config validate', async () => {
    const file = configFile(wide());
    const { code, stdout } = await cli(['config', 'validate', '--config', file]);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(22);
    expect(lines.slice(20)).toEqual([`warning: ${file}: … and 39,980 more unknown keys (not shown)`, `${file}: valid, with 40000 warnings (corrected values are used, unknown keys ignored)`]);
    expect(code).toBe(0);
  });

  it('are 21 config_warning records at start and again on each reload', async () => {
    const file = configFile(wide());
    const supervisor = new SupervisorProcess(['--config', file]);
    await childReport(supervisor);
    expect(supervisor.events('config_warning')).toHaveLength(21);
    expect(supervisor.events('config_warning')[20]).toMatchObject({ finding: 'unknown_key', message: `${file}: … and 39,980 more unknown keys (not shown)` });
    const from = supervisor.records.length;
    supervisor.signal('SIGHUP');
    await supervisor.waitForEvent('config_reloaded', { from });
    expect(supervisor.events('config_warning')).toHaveLength(42);
  });
});

describe('values and names a message shows', () => {
  it('name a number too large as written, with the key', async () => {
    const file = configFile('{"health": {"checkIntervalMs": 1e309}}');
    const { code, stdout } = await cli(['config', 'validate', '--config', file]);
    expect(stdout).toContain(`error: ${file}:1:32: health.checkIntervalMs: expected a duration from 100ms to 1h (milliseconds, or a string like "5s"), got 1e309, a number too large\n`);
    expect(code).toBe(78);
  });

  it('never carry terminal controls, bidi marks or a megabyte of key into the output or the log', async () => {
    const sneaky = 'x\u001b]0;owned\u0007\u009b2J\u202egnp.\u2066';
    const file = configFile({ command: ['node', printEnv], [sneaky]: 1, ['k'.repeat(900_000)]: 2 });
    const validated = await cli(['config', 'validate', '--config', file]);
    expect(validated.stdout).not.toMatch(UNSAFE);
    expect(validated.stdout.length).toBeLessThan(1000);
    expect(validated.stdout).toContain('unknown key "x\\u001b]0;owned\\u0007\\u009b2J\\u202egnp.\\u2066"');

    const supervisor = new SupervisorProcess(['--config', file]);
    await childReport(supervisor);
    const warnings = supervisor.events('config_warning');
    expect(warnings.map((warning) => warning['key'])).toEqual(['x\\u001b]0;owned\\u0007\\u009b2J\\u202egnp.\\u2066', `${'k'.repeat(60)}…`]);
    for (const warning of warnings) expect(JSON.stringify(warning).length).toBeLessThan(1000);
  });
});

describe('a NUL character in the command', () => {
  it('stops a start with exit 78 and one line, before anything is spawned', async () => {
    // Long enough to be cut wherever the repository lives: the line stays one line.
    const file = configFile({ command: ['node', printEnv, `a\u0000b${'x'.repeat(200)}`] });
    const { code, stdout, stderr } = await cli(['run', '--config', file]);
    const start = `mpm-supervise: ${file}:1:12: command: expected a list of strings like ["node", "server.js"] (it is never given to a shell), or null, without NUL characters, got ["node",`;
    expect(stderr.startsWith(start)).toBe(true);
    expect(stderr.endsWith('…\n')).toBe(true);
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stdout).toBe('');
    expect(code).toBe(78);
  });
});

describe('env.__proto__ and other names of Object.prototype', () => {
  it('warns that env.__proto__ is ignored and hands constructor and prototype to the child', async () => {
    const show =
      "process.stdout.write('names ' + JSON.stringify(Object.entries(process.env).filter(([k]) => ['constructor', 'prototype', '__proto__'].includes(k))) + '\\n'); setInterval(() => {}, 60000)";
    const text = `{"command": ["node", "-e", ${JSON.stringify(show)}], "env": {"__proto__": "x", "constructor": "c", "prototype": "p"}}`;
    const file = configFile(text);
    const supervisor = new SupervisorProcess(['--config', file]);
    const line = await supervisor.waitForRecord((record) => record.source === 'child' && record.message.startsWith('names '), { what: 'the child to print its names' });
    expect((JSON.parse(line.message.slice('names '.length)) as string[][]).sort()).toEqual([
      ['constructor', 'c'],
      ['prototype', 'p'],
    ]);
    const column = text.indexOf('"__proto__"') + 1;
    expect(supervisor.events('config_warning')).toEqual([
      expect.objectContaining({ finding: 'unusable_name', key: 'env.__proto__', message: `${file}:1:${column}: env.__proto__ is not a usable variable name; it is ignored` }),
    ]);
  });
});
