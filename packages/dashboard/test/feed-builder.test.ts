import { describe, expect, it } from '@jest/globals';
import { DEFAULT_THRESHOLDS, type HealthCheckResult } from '@mpm/health';
import type { StatusView } from '@mpm/http';
import { FeedCursor, feedSample, feedState, type DashboardSource, type TimelineEntry } from '../src/index.js';
import { healthyRound, hungRound, NOW, viewOf } from '../../http/test/views.js';

/** A source whose history and timeline the test grows by hand. */
function sourceOf(view: StatusView = viewOf()) {
  const history: HealthCheckResult[] = [];
  const timeline: TimelineEntry[] = [];
  const source: DashboardSource = {
    view: () => view,
    history: () => history,
    timeline: () => timeline,
    settings: () => ({ intervalMs: 1000, historySize: 100, thresholds: DEFAULT_THRESHOLDS, memoryLimitMb: null }),
    onChange: () => () => undefined,
  };
  return { source, history, timeline };
}

const roundAt = (timestamp: number, generation = 1): HealthCheckResult => ({ ...healthyRound(), timestamp, generation });
const entry = (id: number): TimelineEntry => ({ id, at: NOW + id, kind: 'spawned', level: 'info', title: `child spawned with pid ${4000 + id}`, detail: null });

describe('feedState', () => {
  it("carries /health's verdict, the child, the breaker and the thresholds in effect", () => {
    const state = feedState(sourceOf(viewOf({ latest: hungRound() })).source);
    expect(state.overall.status).toBe('fail');
    expect(state.overall.output).toContain('Socket.IO at http://127.0.0.1:3000 is not answering');
    expect(state.child).toMatchObject({ state: 'running', pid: 4242, restarts: 0 });
    expect(state.breaker.state).toBe('closed');
    expect(state.thresholds['probeLatencyMs']).toEqual({ warning: 500, critical: 2000 });
    expect(state.checkIntervalMs).toBe(1000);
    expect(state.memoryLimitMb).toBeNull();
    expect(state.checks.map((check) => [check.name, check.status])).toEqual([
      ['processState', 'healthy'],
      ['cpuPercent', 'critical'],
      ['socketioLatencyMs', 'critical'],
    ]);
  });

  it('has no checks before the current child has had a round', () => {
    expect(feedState(sourceOf(viewOf({ latest: undefined })).source).checks).toEqual([]);
  });
});

describe('feedSample', () => {
  it('keeps the numbers and the gaps of a round, not its text values', () => {
    const sample = feedSample(hungRound());
    expect(sample.values).toEqual({ cpuPercent: 100, socketioLatencyMs: null });
    expect(sample.status).toBe('critical');
  });
});

describe('FeedCursor', () => {
  it('sends everything kept first, then only what is new', () => {
    const { source, history, timeline } = sourceOf();
    history.push(roundAt(NOW - 2000), roundAt(NOW - 1000));
    timeline.push(entry(1));
    const cursor = new FeedCursor(source);

    const snapshot = cursor.snapshot();
    expect(snapshot.samples.map((sample) => sample.at)).toEqual([NOW - 2000, NOW - 1000]);
    expect(snapshot.timeline.map((item) => item.id)).toEqual([1]);
    expect(snapshot.historySize).toBe(100);

    expect(cursor.update()).toMatchObject({ samples: [], timeline: [] });

    history.push(roundAt(NOW, 2));
    timeline.push(entry(2), entry(3));
    const update = cursor.update();
    expect(update.samples.map((sample) => [sample.at, sample.generation])).toEqual([[NOW, 2]]);
    expect(update.timeline.map((item) => item.id)).toEqual([2, 3]);
    expect(cursor.update()).toMatchObject({ samples: [], timeline: [] });
  });

  it('does not send again what fell out of a full history', () => {
    const { source, history } = sourceOf();
    history.push(roundAt(NOW - 1000));
    const cursor = new FeedCursor(source);
    cursor.snapshot();
    history.shift();
    history.push(roundAt(NOW));
    expect(cursor.update().samples.map((sample) => sample.at)).toEqual([NOW]);
  });
});
