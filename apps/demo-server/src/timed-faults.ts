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

/**
 * The hang itself, in a function of its own so that a hang report names it: the
 * supervisor's inspector pause finds the loop here (the compiled dist/timed-faults.js and
 * its line, as V8 runs that file).
 */
export function blockForever(): never {
  for (;;) {
    // Spin: no await, no I/O, so no timer, I/O callback or signal handler runs again; only
    // V8's interrupts get in (the inspector that SIGUSR1 starts, and its pause).
  }
}
