import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ChildController } from '@mpm/child';
import type { HealthMonitor, StatusChange } from '@mpm/health';
import type { BreakerTransition, RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import { loadFor } from '../../src/config-load.js';
import type { HookEvent } from '../../src/hooks/hook-event.js';
import { watchHookEvents } from '../../src/hooks/hook-sources.js';
import { hookSpecsFrom } from '../../src/hooks/hook-spec.js';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

describe('watchHookEvents', () => {
  // The controller, the manager and the monitor as stand-ins that emit what they do.
  const controller = Object.assign(new EventEmitter(), { pid: 5151, generation: 3 });
  const manager = new EventEmitter();
  const statusListeners = new Set<(change: StatusChange) => void>();
  const monitor = {
    target: { startedAt: NOW - 5000 },
    onStatusChange: (listener: (change: StatusChange) => void) => {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };
  const heard: HookEvent[] = [];
  let ids = 0;
  const stop = watchHookEvents(
    { controller: controller as unknown as ChildController, recovery: manager as unknown as RecoveryManager, monitor: monitor as unknown as HealthMonitor },
    { name: 'chat', pid: 77, host: 'box', now: () => NOW, newId: () => `id-${(ids += 1)}` },
    (event) => heard.push(event),
  );

  const decision: RecoveryEvent = {
    id: 7,
    time: new Date(NOW).toISOString(),
    action: 'restart_service',
    failureClass: 'hung',
    severity: 'critical',
    reason: 'the Socket.IO probe timed out 3 times',
    metrics: [],
    thresholds: [],
    breaker: 'closed',
    result: 'failed',
    detail: 'SIGTERM to the process group; the child was not healthy within verifyTimeoutMs (30000 ms)',
    durationMs: 30_000,
    generation: 2,
    pid: 4242,
  };

  it('tells each event the issue names, in the log’s words, after the supervisor’s name', () => {
    controller.emit('exit', { pid: 4242, generation: 2, code: 1, signal: null, at: NOW, uptimeMs: 3000, expected: false, reason: undefined });
    manager.emit('started', { ...decision, result: undefined, detail: '' });
    manager.emit('event', decision);
    const open: BreakerTransition = {
      from: { kind: 'closed', recentFailures: [] },
      to: { kind: 'open', since: NOW, until: NOW + 300_000, opensInARow: 1, exhausted: false },
      at: NOW,
      reason: '5 failures within failureWindowMs',
      exhausted: false,
    };
    manager.emit('breaker', open);
    manager.emit('breaker', {
      ...open,
      from: { kind: 'half_open', since: NOW, opensInARow: 1, trial: 'taken', healthyChecks: 3 },
      to: { kind: 'closed', recentFailures: [] },
      reason: '3 healthy checks',
    });
    manager.emit('gaveUp', 'the circuit breaker opened 3 time(s) in a row');
    for (const listener of statusListeners) {
      listener({
        from: 'healthy',
        to: 'critical',
        result: { pid: 4242, generation: 2, readiness: 'ready', timestamp: NOW } as unknown as StatusChange['result'],
        causes: [{ name: 'memoryMb', value: 612, unit: 'MiB', status: 'critical', message: 'memoryMb 612 MiB ≥ critical 500 MiB' } as unknown as StatusChange['causes'][number]],
      });
    }
    expect(heard.map((event) => [event.event, event.text, event.child])).toEqual([
      ['child_exited', '[chat] child 4242 exited with code 1 after 3.0s (unexpected)', { pid: 4242, generation: 2 }],
      ['recovery_started', '[chat] recovery #7: restart_service for hung in child 4242 — the Socket.IO probe timed out 3 times', { pid: 4242, generation: 2 }],
      ['recovery_failed', `[chat] recovery #7 failed: restart_service for hung in child 4242: ${decision.detail}`, { pid: 4242, generation: 2 }],
      ['breaker_opened', '[chat] circuit breaker closed → open: 5 failures within failureWindowMs; recovery is blocked for 5m', { pid: 5151, generation: 3 }],
      ['breaker_closed', '[chat] circuit breaker half_open → closed: 3 healthy checks', { pid: 5151, generation: 3 }],
      ['recovery_gave_up', '[chat] recovery gave up: the circuit breaker opened 3 time(s) in a row; the supervisor stops the child and exits with 75', { pid: 5151, generation: 3 }],
      ['health_critical', '[chat] health healthy → critical: memoryMb 612 MiB ≥ critical 500 MiB', { pid: 4242, generation: 2 }],
    ]);
    expect(heard[0]).toMatchObject({ id: 'id-1', time: '2026-12-06T12:00:00.000Z', supervisor: { name: 'chat', pid: 77, host: 'box' }, details: { exitCode: 1, signal: null, uptimeMs: 3000 } });
    expect(heard[3]?.details).toEqual({ from: 'closed', reason: '5 failures within failureWindowMs', until: new Date(NOW + 300_000).toISOString(), opensInARow: 1, exhausted: false });
    expect(heard[6]?.details).toEqual({ from: 'healthy', readiness: 'ready', causes: [{ name: 'memoryMb', value: 612, unit: 'MiB', message: 'memoryMb 612 MiB ≥ critical 500 MiB' }] });
  });

  it('leaves out what is not an alert: an expected exit, a decision that worked, half-open, critical staying critical', () => {
    const before = heard.length;
    controller.emit('exit', { pid: 4242, generation: 2, code: 0, signal: null, at: NOW, uptimeMs: 3000, expected: true, reason: 'shutdown' });
    manager.emit('event', { ...decision, result: 'succeeded' });
    manager.emit('event', { ...decision, result: 'blocked' });
    manager.emit('breaker', {
      from: { kind: 'open', since: NOW, until: NOW, opensInARow: 1, exhausted: false },
      to: { kind: 'half_open', since: NOW, opensInARow: 1, trial: 'available', healthyChecks: 0 },
      at: NOW,
      reason: 'timeout over',
      exhausted: false,
    });
    for (const listener of statusListeners) listener({ from: 'critical', to: 'critical', result: { pid: 1, generation: 1 } as unknown as StatusChange['result'], causes: [] });
    expect(heard).toHaveLength(before);
  });

  it('stops listening when told', () => {
    stop();
    expect(controller.listenerCount('exit') + manager.listenerCount('event') + manager.listenerCount('breaker') + statusListeners.size).toBe(0);
  });
});

describe('hook commands as config errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-hook-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'page-me'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'page-me'), 0o755);
  writeFileSync(join(dir, 'bin', 'plain'), '');
  const env = { PATH: join(dir, 'bin') };
  let count = 0;

  function configFile(hooks: unknown[]): string {
    const file = join(dir, `config-${(count += 1)}.json`);
    writeFileSync(file, `{\n  "command": ["node", "server.js"],\n  "hooks": ${JSON.stringify(hooks)}\n}\n`);
    return file;
  }
  const request = (file: string | null) => ({ configFile: file, flags: [], commandLine: [] });

  it('find a bare name on PATH and a relative path from the config file’s folder (where they run), and fill in the defaults', () => {
    const outcome = loadFor(
      request(
        configFile([
          { name: 'a', on: ['*'], command: ['page-me', '--now'] },
          { name: 'b', on: ['child_exited'], command: ['./bin/page-me'], timeoutMs: '3s' },
          { name: 'c', on: ['recovery_gave_up'], url: 'https://hooks.example.com/x' },
        ]),
      ),
      env,
      '/',
    );
    if (!outcome.ok) throw new Error(outcome.errors.map((error) => error.message).join(' | '));
    const specs = hookSpecsFrom(outcome.loaded, env, '/');
    if (!specs.ok) throw new Error('expected specs');
    expect(specs.specs.map((spec) => ({ ...spec, events: [...spec.events] }))).toEqual([
      {
        name: 'a',
        events: ['recovery_started', 'recovery_failed', 'breaker_opened', 'breaker_closed', 'recovery_gave_up', 'health_critical', 'child_exited'],
        timeoutMs: 10_000,
        target: { kind: 'command', file: join(dir, 'bin', 'page-me'), args: ['--now'], cwd: dir },
      },
      { name: 'b', events: ['child_exited'], timeoutMs: 3000, target: { kind: 'command', file: join(dir, 'bin', 'page-me'), args: [], cwd: dir } },
      {
        name: 'c',
        events: ['recovery_gave_up'],
        timeoutMs: 10_000,
        target: { kind: 'webhook', url: 'https://hooks.example.com/x', shown: 'https://hooks.example.com/[redacted]', secret: null, retries: 3, headers: {} },
      },
    ]);
  });

  it('refuse a program that is not on PATH, or not executable, naming the entry in the file', () => {
    const file = configFile([
      { name: 'a', on: ['*'], command: ['page-me'] },
      { name: 'b', on: ['*'], command: ['no-such-pager'] },
      { name: 'c', on: ['*'], command: ['./bin/plain'] },
    ]);
    const outcome = loadFor(request(file), env, '/');
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((error) => error.message)).toEqual([
      `${file}:3:12: hooks[1].command: "no-such-pager" is not found on PATH`,
      `${file}:3:12: hooks[2].command: ${join(dir, 'bin', 'plain')} is not executable`,
    ]);
  });

  it('take a relative path from MPM_HOOKS from the working directory', () => {
    const outcome = loadFor(request(null), { ...env, MPM_COMMAND: '["node"]', MPM_HOOKS: JSON.stringify([{ name: 'a', on: ['*'], command: ['bin/page-me'] }]) }, '/nowhere');
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((error) => error.message)).toEqual(['MPM_HOOKS (hooks[0].command): /nowhere/bin/page-me does not exist']);
    expect(loadFor(request(null), { ...env, MPM_COMMAND: '["node"]', MPM_HOOKS: JSON.stringify([{ name: 'a', on: ['*'], command: ['bin/page-me'] }]) }, dir).ok).toBe(true);
  });
});
