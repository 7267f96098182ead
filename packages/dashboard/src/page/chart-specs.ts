/** Which charts the page draws, from which sample values, against which thresholds. */

export type ChartId = 'cpu' | 'rss' | 'fds' | 'probe' | 'clients' | 'lag';

export interface LineSpec {
  /** Key in FeedSample.values. */
  readonly key: string;
  readonly label: string;
  /** Index into the theme's series colours. */
  readonly colour: number;
}

export interface ChartSpec {
  readonly id: ChartId;
  readonly title: string;
  /** Feed unit of the values (as FeedCheck.unit), for formatting. */
  readonly unit: string;
  readonly lines: readonly LineSpec[];
  /** Key in FeedState.thresholds. */
  readonly thresholds: string;
  /** Also draw FeedState.memoryLimitMb when set. */
  readonly memoryLimit?: boolean;
}

export const CHART_SPECS: readonly ChartSpec[] = [
  { id: 'cpu', title: 'CPU', unit: 'percent', lines: [{ key: 'cpuPercent', label: 'CPU', colour: 0 }], thresholds: 'cpuPercent' },
  {
    id: 'rss',
    title: 'Memory (RSS)',
    unit: 'MiB',
    lines: [{ key: 'memoryMb', label: 'RSS', colour: 1 }],
    thresholds: 'memoryMb',
    memoryLimit: true,
  },
  { id: 'fds', title: 'Open file descriptors', unit: 'count', lines: [{ key: 'openFds', label: 'open FDs', colour: 2 }], thresholds: 'openFds' },
  {
    id: 'probe',
    title: 'Probe latency',
    unit: 'ms',
    lines: [
      { key: 'tcpLatencyMs', label: 'tcp', colour: 0 },
      { key: 'socketioLatencyMs', label: 'socket.io', colour: 3 },
      { key: 'ipcLatencyMs', label: 'ipc', colour: 2 },
    ],
    thresholds: 'probeLatencyMs',
  },
  { id: 'clients', title: 'Clients', unit: 'count', lines: [{ key: 'clients', label: 'clients', colour: 3 }], thresholds: 'clients' },
  { id: 'lag', title: 'Event-loop lag', unit: 'ms', lines: [{ key: 'eventLoopLagMs', label: 'lag', colour: 1 }], thresholds: 'eventLoopLagMs' },
];
