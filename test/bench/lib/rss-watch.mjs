// A leaking process seen from outside: its RSS read from /proc every 20 ms until it is gone.
import { rssMb } from './proc.mjs';
import { delay } from './wait.mjs';

export const SAMPLE_MS = 20;

/**
 * Follows `pid`'s RSS until the process is gone (or is a zombie: its memory is freed).
 * `crossedAt` is the first reading at or over `limitMb`, `peak` the highest reading and
 * `goneAt` the first reading that found it gone (performance.now() times).
 *
 * It never waits for ever: `timedOut` is 'cross' when the limit was not crossed within
 * `crossWithinMs`, 'gone' when the process was still there `goneWithinMs` after the
 * crossing; then, and at `capMb` (`capped`), the process is SIGKILLed here, so that a
 * leak nobody stops cannot take the machine's memory.
 */
export async function watchRss(pid, { limitMb, crossWithinMs, goneWithinMs, capMb = Infinity }) {
  const start = performance.now();
  let crossedAt;
  let peak = 0;
  for (;;) {
    const rss = rssMb(pid);
    const now = performance.now();
    if (rss === undefined) return { crossedAt, peak, goneAt: now, capped: false };
    peak = Math.max(peak, rss);
    if (crossedAt === undefined && rss >= limitMb) crossedAt = now;
    if (rss >= capMb) {
      kill(pid);
      return { crossedAt, peak, capped: true };
    }
    if (crossedAt === undefined && now - start > crossWithinMs) return { peak, capped: false, timedOut: 'cross' };
    if (crossedAt !== undefined && now - crossedAt > goneWithinMs) {
      kill(pid);
      return { crossedAt, peak, capped: false, timedOut: 'gone' };
    }
    await delay(SAMPLE_MS);
  }
}

function kill(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
}
