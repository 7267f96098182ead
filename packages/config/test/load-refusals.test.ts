import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../src/index.js';
import { dir, loadErrors, makeConfigDir, onlyError, removeConfigDir, request, writeConfig } from './load-setup.js';

beforeAll(makeConfigDir);
afterAll(removeConfigDir);

describe('a file that cannot be used', () => {
  it.each([
    ['a trailing comma', '{\n  "name": "chat",\n}\n', '3:1', /trailing comma/],
    ['a missing comma', '{\n  "name": "chat"\n  "cwd": "/srv"\n}\n', '3:3', /','/],
    ['a comment', '{\n  // the chat service\n  "name": "chat"\n}\n', '2:3', /comment/],
    ['nothing in it', '', '1:1', /empty/],
  ])('is refused as not JSON when it has %s, naming line and column', (_, text, position, explanation) => {
    const file = writeConfig(text);
    const error = onlyError({ configFile: file });
    expect(error.code).toBe('not_json');
    expect(error.message.startsWith(`${file}:${position}: `)).toBe(true);
    expect(error.message).toMatch(explanation);
  });

  it('is refused when its top level is not an object', () => {
    const file = writeConfig('[\n  "name"\n]\n');
    const error = onlyError({ configFile: file });
    expect(error.code).toBe('wrong_type');
    expect(error.message).toContain(`${file}:1:1`);
    expect(error.message).toContain('expected an object');
  });

  it('is refused when a group is not an object', () => {
    const file = writeConfig('{\n  "child": 5\n}\n');
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'child', given: 5 });
    expect(error.message).toContain(`${file}:2:12`);
    expect(error.message).toMatch(/child: expected an object of settings, got 5/);
  });

  it('is refused when it does not exist', () => {
    const file = join(dir, 'missing.json');
    const error = onlyError({ configFile: file });
    expect(error.code).toBe('unreadable');
    expect(error.message).toContain(file);
    expect(error.message).toContain('no such file');
  });

  it('is refused when it is a directory', () => {
    const folder = join(dir, 'a-directory.json');
    mkdirSync(folder, { recursive: true });
    const error = onlyError({ configFile: folder });
    expect(error.code).toBe('unreadable');
    expect(error.message).toContain(folder);
    expect(error.message).toContain('directory');
  });
});

describe('wrong types', () => {
  it('from the file name file, line, column, key, the value given and what is expected', () => {
    const file = writeConfig('{\n  "health": {\n    "failureThreshold": "three"\n  }\n}\n');
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ severity: 'error', code: 'wrong_type', key: 'health.failureThreshold', given: 'three' });
    expect(error.message.startsWith(`${file}:3:25: health.failureThreshold: `)).toBe(true);
    expect(error.message).toContain('got "three"');
    expect(error.message).toMatch(/expected an integer/);
  });

  it('from the environment name the variable and the key', () => {
    const error = onlyError({ env: { MPM_LOG_LEVEL: 'loud' } });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'log.level', source: { layer: 'env', variable: 'MPM_LOG_LEVEL' } });
    expect(error.message).toContain('MPM_LOG_LEVEL (log.level)');
    expect(error.message).toContain('"loud"');
    expect(error.message).toMatch(/expected one of .*\binfo\b/);
  });

  it('from a flag name the flag', () => {
    const error = onlyError({ flags: [{ path: 'log.format', flag: '--log-format', value: 'fancy' }] });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'log.format' });
    expect(error.message).toContain('--log-format (log.format)');
    expect(error.message).toContain('"fancy"');
    expect(error.message).toMatch(/expected one of .*\bjson\b/);
  });

  it('are reported together, from every layer', () => {
    const file = writeConfig({ health: { checkIntervalMs: true, historySize: 'many' }, child: { stopSignal: 'SIGSTOP' } });
    const errors = loadErrors({
      configFile: file,
      env: { MPM_RECOVERY_ENABLED: 'maybe' },
      flags: [{ path: 'health.probeUrl', flag: '--probe-url', value: 'ftp://example.com' }],
    });
    expect(errors.map((error) => error.key).sort()).toEqual(['child.stopSignal', 'health.checkIntervalMs', 'health.historySize', 'health.probeUrl', 'recovery.enabled']);
    expect(errors.every((error) => error.code === 'wrong_type')).toBe(true);
  });

  it('include a non-integer for an integer key', () => {
    const file = writeConfig({ health: { failureThreshold: 2.5 } });
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ code: 'wrong_type', key: 'health.failureThreshold', given: 2.5 });
  });

  it('include a port out of range, which is never corrected', () => {
    const file = writeConfig({ http: { port: 70_000 } });
    const error = onlyError({ configFile: file });
    expect(error).toMatchObject({ severity: 'error', code: 'wrong_type', key: 'http.port', given: 70_000 });
    expect(error.message).toContain('70000');
    expect(error.message).toContain('65535');
    expect(onlyError({ env: { MPM_CHILD_PORT: '70000' } })).toMatchObject({ code: 'wrong_type', key: 'child.port' });
    expect(onlyError({ flags: [{ path: 'http.port', flag: '--http-port', value: -1 }] })).toMatchObject({ code: 'wrong_type', key: 'http.port' });
  });

  it('never show the value of a secret', () => {
    const token = 's3cr3t-t0ken-value';
    const file = writeConfig({ http: { token: [token] } });
    const outcome = loadConfig(request({ configFile: file }));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((error) => error.key)).toEqual(['http.token']);
    expect(outcome.errors[0]?.message).toContain('http.token');
    expect(JSON.stringify(outcome)).not.toContain(token);

    const numeric = writeConfig({ http: { token: 987_654_321 } });
    expect(JSON.stringify(loadConfig(request({ configFile: numeric })))).not.toContain('987654321');
  });

  it('refuse a token that an HTTP header could not carry (spaces, non-ASCII), without showing it', () => {
    for (const token of ['two words', 'tökén-ü', 'tab\there']) {
      const error = onlyError({ env: { MPM_HTTP_TOKEN: token } });
      expect(error).toMatchObject({ key: 'http.token' });
      expect(error.message).toMatch(/MPM_HTTP_TOKEN.*visible ASCII characters without spaces/);
      expect(JSON.stringify(error)).not.toContain(token);
    }
    expect(loadConfig(request({ env: { MPM_HTTP_TOKEN: 'Abc-123_~!' } })).ok).toBe(true);
  });
});
