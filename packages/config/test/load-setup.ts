import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { describeSource, keyByPath, loadConfig, type Finding, type LoadedConfig, type LoadRequest } from '../src/index.js';

/** The test file's folder for config files; made by makeConfigDir, removed by removeConfigDir. */
export let dir: string;
let counter = 0;

/** For beforeAll. */
export function makeConfigDir(): void {
  dir = mkdtempSync(join(tmpdir(), 'mpm-config-test-'));
}

/** For afterAll. */
export function removeConfigDir(): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes a config file into the test folder and returns its absolute path. */
export function writeConfig(content: unknown, name = `config-${(counter += 1)}.json`): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

export function request(overrides: Partial<LoadRequest>): LoadRequest {
  return { configFile: null, env: {}, flags: [], commandLine: [], cwd: dir, ...overrides };
}

/** Every message a user would read is one line. */
export function expectOneLine(findings: readonly Finding[]): void {
  for (const finding of findings) expect(finding.message).not.toMatch(/[\r\n]/);
}

export function loadOk(overrides: Partial<LoadRequest>): { loaded: LoadedConfig; warnings: readonly Finding[] } {
  const outcome = loadConfig(request(overrides));
  if (!outcome.ok) throw new Error(`expected the config to load, got errors: ${outcome.errors.map((error) => error.message).join(' | ')}`);
  expectOneLine(outcome.warnings);
  return outcome;
}

export function loadErrors(overrides: Partial<LoadRequest>): readonly Finding[] {
  const outcome = loadConfig(request(overrides));
  if (outcome.ok) throw new Error('expected the config to be refused, but it loaded');
  expect(outcome.errors.length).toBeGreaterThan(0);
  expectOneLine([...outcome.errors, ...outcome.warnings]);
  return outcome.errors;
}

export function onlyError(overrides: Partial<LoadRequest>): Finding {
  const errors = loadErrors(overrides);
  expect(errors).toHaveLength(1);
  return errors[0] as Finding;
}

export function sourceOf(loaded: LoadedConfig, path: string): string {
  const source = loaded.sources.get(path);
  if (source === undefined) throw new Error(`no source for ${path}`);
  return describeSource(source);
}

export function rangeOf(path: string): { min: number; max: number } {
  const range = keyByPath(path)?.meta.range;
  if (range === undefined) throw new Error(`${path} has no range`);
  return range;
}
