/** `demo-count 17`: the Nth numbered line of this process. */
export function countLine(n: number): string {
  return `demo-count ${n}`;
}

/** The line a process that ran any JavaScript on its way out ends with: how far it counted. */
export function lastCountLine(n: number): string {
  return `demo-count stopped after ${n}`;
}

export interface Counter {
  /** The number of the last line written (0 before the first). */
  readonly last: () => number;
  readonly stop: () => void;
}

/**
 * Writes `demo-count 1`, `demo-count 2` … every `everyMs`, numbered from 1 in each
 * process, so that whoever reads the supervisor's log can tell whether a line was lost.
 * The timer is unref'd: counting is no reason to stay alive.
 */
export function startCounting(everyMs: number, log: (line: string) => void): Counter {
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    log(countLine(n));
  }, everyMs);
  timer.unref();
  return { last: () => n, stop: () => clearInterval(timer) };
}
