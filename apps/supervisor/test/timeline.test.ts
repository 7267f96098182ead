import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { ChildController } from '@mpm/child';
import type { RecoveryEvent, RecoveryManager } from '@mpm/recovery';
import { recordTimeline, Timeline } from '../src/status/timeline.js';

const NOW = Date.parse('2026-11-29T04:00:00.000Z');

describe('Timeline', () => {
  it('numbers entries from 1, keeps the newest that fit, and tells listeners', () => {
    let now = NOW;
    const timeline = new Timeline(3, () => now);
    const heard: number[] = [];
    const stop = timeline.onEntry((entry) => heard.push(entry.id));
    for (let i = 0; i < 5; i += 1) {
      now += 1000;
      timeline.add('spawned', 'info', `child spawned with pid ${100 + i}`);
    }
    stop();
    timeline.add('spawned', 'info', 'after the listener left');
    expect(timeline.entries().map((entry) => [entry.id, entry.at])).toEqual([
      [4, NOW + 4000],
      [5, NOW + 5000],
      [6, NOW + 5000],
    ]);
    expect(heard).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('recordTimeline', () => {
  // The controller and the manager are event emitters; these stand-ins emit what they do.
  const controller = new EventEmitter();
  const manager = new EventEmitter();
  const timeline = new Timeline(50, () => NOW);
  const stop = recordTimeline(timeline, controller as unknown as ChildController, manager as unknown as RecoveryManager);

  it("writes the child's spawns, exits and waits, and recovery's decisions, in the log's words", () => {
    controller.emit('spawned', { pid: 4242, generation: 1, command: 'node', args: [], ipc: true, restarts: 0 });
    controller.emit('exit', { pid: 4242, generation: 1, code: null, signal: 'SIGKILL', at: NOW, uptimeMs: 12_300, expected: false, reason: undefined });
    controller.emit('restartScheduled', { generation: 1, delayMs: 0, attempt: 1, until: NOW });
    controller.emit('restartScheduled', { generation: 2, delayMs: 400, attempt: 3, until: NOW + 400 });
    const decision: RecoveryEvent = {
      id: 7,
      time: new Date(NOW).toISOString(),
      action: 'restart_service',
      failureClass: 'crashed',
      severity: 'critical',
      reason: 'child 4242 was killed by SIGKILL after 12.3 s up',
      metrics: [],
      thresholds: [],
      breaker: 'closed',
      result: 'succeeded',
      detail: 'respawned at once (attempt 1); healthy again after 0.4 s',
      durationMs: 400,
      generation: 1,
      pid: 4242,
    };
    manager.emit('started', { ...decision, result: undefined, detail: 'respawn at once (attempt 1)' });
    manager.emit('event', decision);
    manager.emit('gaveUp', 'the circuit breaker opened 3 times in a row');

    expect(timeline.entries().map(({ kind, level, title, detail }) => ({ kind, level, title, detail }))).toEqual([
      { kind: 'spawned', level: 'info', title: 'child spawned with pid 4242', detail: null },
      { kind: 'exited', level: 'error', title: 'child 4242 was killed by SIGKILL after 12s (unexpected)', detail: null },
      { kind: 'restart_scheduled', level: 'info', title: 'restarting the child in 400ms (attempt 3)', detail: null },
      { kind: 'recovery_started', level: 'warning', title: 'recovery #7: restart_service for crashed in child 4242', detail: decision.reason },
      { kind: 'recovery', level: 'info', title: `recovery #7 succeeded: restart_service for crashed in child 4242: ${decision.detail}`, detail: decision.reason },
      { kind: 'gave_up', level: 'error', title: 'recovery gave up: the supervisor stops the child and exits with 75', detail: 'the circuit breaker opened 3 times in a row' },
    ]);
  });

  it('stops listening when told', () => {
    stop();
    const before = timeline.entries().length;
    controller.emit('spawned', { pid: 4343, generation: 2, command: 'node', args: [], ipc: true, restarts: 1 });
    expect(timeline.entries()).toHaveLength(before);
    expect(controller.listenerCount('spawned') + manager.listenerCount('event')).toBe(0);
  });
});
