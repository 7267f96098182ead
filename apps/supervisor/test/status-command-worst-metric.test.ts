import { describe, expect, it } from '@jest/globals';
import type { MetricReading } from '../src/status-command/diagnostics-summary.js';
import { causesWorstFirst, describeMetric, worstMetric } from '../src/status-command/worst-metric.js';

const limits = (warning: number, critical: number) => ({ warning, critical });

function metric(name: string, status: MetricReading['status'], value: MetricReading['value'], unit: string, thresholds: MetricReading['thresholds'], message = `${name} message`): MetricReading {
  return { name, status, value, unit, thresholds, message };
}

const healthyCpu = metric('cpuPercent', 'healthy', 3, 'percent', limits(80, 95));
const lag = metric('eventLoopLagMs', 'critical', 1840, 'ms', limits(200, 1000));
const memory = metric('memoryMb', 'critical', 520, 'MiB', limits(400, 500));
const warmCpu = metric('cpuPercent', 'warning', 85, 'percent', limits(80, 95));
const stopped = metric('processState', 'critical', 'T', 'state', null, 'process 4242 is T (stopped)');
const unmeasured = metric('openFds', 'unknown', null, 'count', limits(800, 1000), 'not measured: EACCES');

describe('worstMetric', () => {
  it('is null when every metric is healthy or unmeasured', () => {
    expect(worstMetric([])).toBeNull();
    expect(worstMetric([healthyCpu, unmeasured])).toBeNull();
  });

  it('takes critical over warning over starting, whatever the order', () => {
    const starting = metric('socketioLatencyMs', 'starting', null, 'ms', null, 'not answering yet');
    expect(worstMetric([starting, warmCpu, healthyCpu])).toBe(warmCpu);
    expect(worstMetric([warmCpu, lag, starting])).toBe(lag);
    expect(worstMetric([starting, unmeasured])).toBe(starting);
  });

  it('among criticals, takes the breach furthest past its limit (1840/1000 over 520/500)', () => {
    expect(worstMetric([memory, lag])).toBe(lag);
    expect(worstMetric([lag, memory])).toBe(lag);
  });

  it('puts a failure with no threshold (the child does not serve) before any breach', () => {
    expect(worstMetric([lag, stopped, memory])).toBe(stopped);
  });

  it('keeps the document order among equals', () => {
    const other = metric('threads', 'critical', 'x', 'count', null, 'other');
    expect(worstMetric([stopped, other])).toBe(stopped);
    expect(causesWorstFirst([healthyCpu, warmCpu, memory, stopped, lag, unmeasured])).toEqual([stopped, lag, memory, warmCpu]);
  });
});

describe('describeMetric', () => {
  it('says a breach as name, value with unit, ≥ the limit it crossed', () => {
    expect(describeMetric(lag)).toBe('eventLoopLagMs 1840 ms ≥ 1000');
    expect(describeMetric(warmCpu)).toBe('cpuPercent 85 % ≥ 80');
    expect(describeMetric(metric('memoryMb', 'critical', 512.345, 'MiB', limits(400, 500)))).toBe('memoryMb 512 MiB ≥ 500');
    expect(describeMetric(metric('openFds', 'warning', 812, 'count', limits(800, 1000)))).toBe('openFds 812 ≥ 800');
  });

  it("uses the checker's own line for anything that is not a breach", () => {
    expect(describeMetric(stopped)).toBe('process 4242 is T (stopped)');
    // Critical readings below failureThreshold breaches are reported as warnings; still a breach of the warning limit.
    expect(describeMetric(metric('eventLoopLagMs', 'warning', 1500, 'ms', limits(200, 1000), 'x (1 of 3 in a row before critical)'))).toBe('eventLoopLagMs 1500 ms ≥ 200');
    expect(describeMetric(metric('socketioLatencyMs', 'critical', null, 'ms', limits(500, 2000), 'Socket.IO is not answering'))).toBe('Socket.IO is not answering');
  });
});
