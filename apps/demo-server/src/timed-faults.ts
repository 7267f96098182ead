import type { Faults } from './faults.js';

type Out = NodeJS.WritableStream;

/**
 * Arms the crash, block and SIGSTOP switches. Returns a function that disarms them.
 * The timers are unref'd: they are faults, not reasons to stay alive.
 */
export function armTimedFaults(faults: Faults, out: Out): () => void {
  const timers: NodeJS.Timeout[] = [];
  const arm = (delayMs: number | undefined, fire: () => void): void => {
    if (delayMs === undefined) return;
    const timer = setTimeout(fire, delayMs);
    timer.unref();
    timers.push(timer);
  };
  arm(faults.crashAfterMs, () => crash('crash switch'));
  arm(faults.blockAfterMs, () => blockOnceSaid(out));
  arm(faults.sigstopAfterMs, () => {
    out.write('demo-server stopping itself (SIGSTOP)\n', () => process.kill(process.pid, 'SIGSTOP'));
  });
  return () => timers.forEach((timer) => clearTimeout(timer));
}

/** Call from a timer, so nothing catches the error: Node prints the stack and exits 1. */
export function crash(why: string): never {
  throw new Error(`demo-server: ${why}`);
}

/** Says so, then blocks the event loop for good once the line has left the process (a blocked loop never flushes). */
export function blockOnceSaid(out: Out): void {
  out.write('demo-server blocking the event loop\n', () => blockForever());
}

function blockForever(): never {
  for (;;) {
    // Spin: no await, no I/O, so signals handlers and timers never run again.
  }
}
