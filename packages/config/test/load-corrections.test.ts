import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadOk, makeConfigDir, rangeOf, removeConfigDir, writeConfig } from './load-setup.js';

beforeAll(makeConfigDir);
afterAll(removeConfigDir);

describe('out-of-range values', () => {
  it('from the file are raised to the minimum, with a warning naming given and used', () => {
    const { min } = rangeOf('health.checkIntervalMs');
    const file = writeConfig({ health: { checkIntervalMs: '1ms' } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(min).toBeGreaterThan(1);
    expect(loaded.config.health.checkIntervalMs).toBe(min);
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning', code: 'out_of_range', key: 'health.checkIntervalMs', given: '1ms', used: min })]);
    expect(warnings[0]?.message).toContain(file);
    expect(warnings[0]?.message).toContain('"1ms"');
  });

  it('from the environment are lowered to the maximum, with a warning naming the variable', () => {
    const { max } = rangeOf('health.historySize');
    const { loaded, warnings } = loadOk({ env: { MPM_HEALTH_HISTORY_SIZE: String(max + 1) } });
    expect(loaded.config.health.historySize).toBe(max);
    expect(warnings).toEqual([expect.objectContaining({ code: 'out_of_range', key: 'health.historySize', given: max + 1, used: max })]);
    expect(warnings[0]?.message).toContain('MPM_HEALTH_HISTORY_SIZE');
    expect(warnings[0]?.message).toContain(String(max + 1));
    expect(warnings[0]?.message).toContain(`using ${max}`);
  });

  it('from a flag are corrected, with a warning naming the flag', () => {
    const { max } = rangeOf('child.killTimeoutMs');
    const { loaded, warnings } = loadOk({ flags: [{ path: 'child.killTimeoutMs', flag: '--kill-timeout', value: max * 2 }] });
    expect(loaded.config.child.killTimeoutMs).toBe(max);
    expect(warnings).toEqual([expect.objectContaining({ code: 'out_of_range', key: 'child.killTimeoutMs', given: max * 2, used: max })]);
    expect(warnings[0]?.message).toContain('--kill-timeout');
  });

  it('below zero in a file are raised to the minimum', () => {
    const { min } = rangeOf('health.failureThreshold');
    const file = writeConfig({ health: { failureThreshold: -3 } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(loaded.config.health.failureThreshold).toBe(min);
    expect(warnings.map((warning) => warning.code)).toEqual(['out_of_range']);
  });

  it('below zero are corrected the same from a variable as from a file', () => {
    const file = writeConfig({ child: { killTimeoutMs: -5 } });
    const fromFile = loadOk({ configFile: file });
    const fromEnv = loadOk({ env: { MPM_CHILD_KILL_TIMEOUT_MS: '-5' } });
    expect(fromEnv.loaded.config.child.killTimeoutMs).toBe(fromFile.loaded.config.child.killTimeoutMs);
    expect(fromEnv.warnings.map((warning) => warning.code)).toEqual(['out_of_range']);
  });
});

describe('keys that must agree', () => {
  it('raise child.maxRestartDelayMs to child.restartDelayMs', () => {
    const file = writeConfig({ child: { restartDelayMs: '5s', maxRestartDelayMs: '1s' } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(loaded.config.child).toMatchObject({ restartDelayMs: 5000, maxRestartDelayMs: 5000 });
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning', code: 'inconsistent', key: 'child.maxRestartDelayMs', given: '1s', used: 5000 })]);
    expect(warnings[0]?.message).toContain('child.restartDelayMs');
  });

  it('lower a threshold warning level to its critical level', () => {
    const { loaded, warnings } = loadOk({ env: { MPM_HEALTH_THRESHOLDS_CPU_PERCENT_WARNING: '99' } });
    expect(loaded.config.health.thresholds.cpuPercent).toEqual({ warning: 95, critical: 95 });
    expect(warnings).toEqual([expect.objectContaining({ code: 'inconsistent', key: 'health.thresholds.cpuPercent.warning', given: 99, used: 95 })]);
    expect(warnings[0]?.message).toContain('MPM_HEALTH_THRESHOLDS_CPU_PERCENT_WARNING');
  });

  it('are compared after out-of-range values are corrected', () => {
    // restartDelayMs above its maximum is lowered to that maximum; a maxRestartDelayMs
    // between the two is consistent with the value actually used and stays as given.
    const { max: restartCeiling } = rangeOf('child.restartDelayMs');
    const given = restartCeiling + 5 * 60_000;
    const between = restartCeiling + 60_000;
    expect(between).toBeLessThanOrEqual(rangeOf('child.maxRestartDelayMs').max);
    const { loaded, warnings } = loadOk({ env: { MPM_CHILD_RESTART_DELAY_MS: String(given), MPM_CHILD_MAX_RESTART_DELAY_MS: String(between) } });
    expect(loaded.config.child.restartDelayMs).toBe(restartCeiling);
    expect(loaded.config.child.maxRestartDelayMs).toBe(between);
    expect(warnings.map((warning) => `${warning.code} ${warning.key}`)).toEqual(['out_of_range child.restartDelayMs']);
  });
});

describe('unknown names', () => {
  it('in the file are warnings with a suggestion, and the rest still loads', () => {
    const file = writeConfig({ checkIntervalMs: 1000, health: { checkInterval: '1s', probeTimeoutMs: '3s' } });
    const { loaded, warnings } = loadOk({ configFile: file });
    expect(loaded.config.health.probeTimeoutMs).toBe(3000);
    expect(loaded.config.health.checkIntervalMs).toBe(5000);
    expect(warnings).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'unknown_key', key: 'checkIntervalMs', suggestion: 'health.checkIntervalMs' }),
      expect.objectContaining({ severity: 'warning', code: 'unknown_key', key: 'health.checkInterval', suggestion: 'health.checkIntervalMs' }),
    ]);
    expect(warnings[1]?.message).toContain(file);
    expect(warnings[1]?.message).toContain('did you mean "health.checkIntervalMs"');
  });

  it('in the file keep the warning on one line whatever the key', () => {
    const file = writeConfig('{"log\\nlevel": "debug"}');
    const { warnings } = loadOk({ configFile: file });
    expect(warnings.map((warning) => warning.code)).toEqual(['unknown_key']);
  });

  it('in the environment are warnings with a suggestion', () => {
    const { loaded, warnings } = loadOk({ env: { MPM_LOG_LEVL: 'debug' } });
    expect(loaded.config.log.level).toBe('info');
    expect(warnings).toEqual([expect.objectContaining({ code: 'unknown_key', key: 'MPM_LOG_LEVL', suggestion: 'MPM_LOG_LEVEL' })]);
    expect(warnings[0]?.message).toContain('MPM_LOG_LEVL');
    expect(warnings[0]?.message).toContain('MPM_LOG_LEVEL');
  });

  it("named after a flag point to that flag's key", () => {
    const { warnings } = loadOk({ env: { MPM_PORT: '3000', MPM_KILL_TIMEOUT: '5s' } });
    expect(warnings.map((warning) => warning.suggestion)).toEqual(['MPM_CHILD_PORT', 'MPM_CHILD_KILL_TIMEOUT_MS']);
  });

  it('outside the MPM_ prefix, MPM_CONFIG and $schema are not warned about', () => {
    const file = writeConfig({ $schema: './schema.json', name: 'chat' });
    const { loaded, warnings } = loadOk({ configFile: file, env: { PATH: '/usr/bin', HOME: '/root', MPM_CONFIG: file } });
    expect(loaded.config.name).toBe('chat');
    expect(warnings).toEqual([]);
  });
});
