import { describe, expect, it } from '@jest/globals';
import { LiveConfig, loadConfig, type ConfigChange, type LoadOutcome } from '../src/index.js';

/**
 * A LiveConfig whose reload reads a mutable, in-memory environment: a test changes
 * `env` and calls reload(), as SIGHUP does after an operator edits the config.
 */
function liveConfig(initialEnv: Record<string, string> = {}) {
  const state = { env: { ...initialEnv } };
  let loads = 0;
  const load = (): LoadOutcome => {
    loads += 1;
    return loadConfig({ configFile: null, env: state.env, flags: [], commandLine: [], cwd: '/' });
  };
  const first = load();
  if (!first.ok) throw new Error(`initial config did not load: ${first.errors.map((error) => error.message).join(' | ')}`);
  const live = new LiveConfig(first.loaded, load);
  return { live, state, loads: () => loads };
}

describe('LiveConfig', () => {
  it('starts with the config it was given', () => {
    const { live } = liveConfig({ MPM_LOG_LEVEL: 'debug' });
    expect(live.current.log.level).toBe('debug');
    expect(live.loaded.config).toBe(live.current);
  });

  it('applies a valid change and tells each subscriber once what changed', () => {
    const { live, state } = liveConfig();
    const heard: ConfigChange[] = [];
    live.subscribe((change) => heard.push(change));
    const before = live.current;

    state.env = { MPM_HEALTH_CHECK_INTERVAL_MS: '1s', MPM_CHILD_PORT: '3000', MPM_HTTP_PORT: '9000' };
    const outcome = live.reload();

    const changes = [
      { key: 'child.port', from: null, to: 3000, applies: 'next_restart' },
      { key: 'health.checkIntervalMs', from: 5000, to: 1000, applies: 'now' },
      { key: 'http.port', from: 8766, to: 9000, applies: 'supervisor_restart' },
    ];
    expect(outcome).toEqual({ kind: 'applied', changes, warnings: [], listenerErrors: [] });
    expect(live.current.health.checkIntervalMs).toBe(1000);
    expect(heard).toHaveLength(1);
    const [change] = heard;
    expect(change?.changes).toEqual(changes);
    expect(change?.previous).toBe(before);
    expect(change?.next).toBe(live.current);
  });

  it('says which parts of the config a change touches', () => {
    const { live, state } = liveConfig();
    let heard: ConfigChange | undefined;
    live.subscribe((change) => {
      heard = change;
    });
    state.env = { MPM_HEALTH_THRESHOLDS_MEMORY_MB_CRITICAL: '900' };
    live.reload();
    expect(heard?.touches('health')).toBe(true);
    expect(heard?.touches('health.thresholds')).toBe(true);
    expect(heard?.touches('health.thresholds.memoryMb.critical')).toBe(true);
    expect(heard?.touches('health.thresholds.memoryMb.warning')).toBe(false);
    expect(heard?.touches('heal')).toBe(false);
    expect(heard?.touches('recovery')).toBe(false);
    expect(heard?.touches('log')).toBe(false);
  });

  it('passes on the warnings of a corrected reload', () => {
    const { live, state } = liveConfig();
    state.env = { MPM_HEALTH_FAILURE_THRESHOLD: '0' };
    const outcome = live.reload();
    expect(outcome.kind).toBe('applied');
    expect(outcome.warnings).toEqual([expect.objectContaining({ code: 'out_of_range', key: 'health.failureThreshold' })]);
    expect(live.current.health.failureThreshold).toBe(1);
  });

  it('refuses an invalid config, keeps the current one and tells no subscriber', () => {
    const { live, state } = liveConfig({ MPM_LOG_LEVEL: 'debug' });
    const before = live.current;
    let calls = 0;
    live.subscribe(() => {
      calls += 1;
    });

    state.env = { MPM_LOG_LEVEL: 'loud', MPM_HEALTH_CHECK_INTERVAL_MS: '1s' };
    const outcome = live.reload();

    expect(outcome.kind).toBe('refused');
    if (outcome.kind !== 'refused') return;
    expect(outcome.errors).toEqual([expect.objectContaining({ severity: 'error', code: 'wrong_type', key: 'log.level' })]);
    expect(live.current).toBe(before);
    expect(live.current.health.checkIntervalMs).toBe(5000);
    expect(calls).toBe(0);
  });

  it('applies the next valid config after a refused one', () => {
    const { live, state } = liveConfig();
    state.env = { MPM_HTTP_PORT: '70000' };
    expect(live.reload().kind).toBe('refused');
    state.env = { MPM_HTTP_PORT: '9000' };
    expect(live.reload().kind).toBe('applied');
    expect(live.current.http.port).toBe(9000);
  });

  it('reports an identical config as unchanged and tells no subscriber', () => {
    const { live, loads } = liveConfig({ MPM_LOG_LEVEL: 'warn' });
    let calls = 0;
    live.subscribe(() => {
      calls += 1;
    });
    expect(live.reload()).toEqual({ kind: 'unchanged', warnings: [] });
    expect(loads()).toBe(2);
    expect(calls).toBe(0);
    expect(live.current.log.level).toBe('warn');
  });

  it('tells every subscriber even when one throws, and returns what it threw', () => {
    const { live, state } = liveConfig();
    const failure = new Error('listener broke');
    const heard: string[] = [];
    live.subscribe(() => heard.push('first'));
    live.subscribe(() => {
      throw failure;
    });
    live.subscribe(() => heard.push('third'));

    state.env = { MPM_LOG_LEVEL: 'error' };
    const outcome = live.reload();

    expect(heard).toEqual(['first', 'third']);
    expect(outcome.kind).toBe('applied');
    if (outcome.kind !== 'applied') return;
    expect(outcome.listenerErrors).toEqual([failure]);
    expect(live.current.log.level).toBe('error');
  });

  it('stops telling a subscriber that unsubscribed', () => {
    const { live, state } = liveConfig();
    const heard: string[] = [];
    const unsubscribe = live.subscribe((change) => heard.push(`gone ${change.next.log.level}`));
    live.subscribe((change) => heard.push(`kept ${change.next.log.level}`));

    state.env = { MPM_LOG_LEVEL: 'warn' };
    live.reload();
    unsubscribe();
    state.env = { MPM_LOG_LEVEL: 'error' };
    live.reload();

    expect(heard).toEqual(['gone warn', 'kept warn', 'kept error']);
  });
});
