// A leaking process seen from outside: its RSS read from /proc every 20 ms, and every 2 ms
// once it is near the limit, until it is gone.
import { rssMb } from './proc.mjs';
import { delay } from './wait.mjs';

export const SAMPLE_MS = 20;
/**
 * Near the limit and over it. A supervisor that reads memory just after the crossing and
 * stops the server at once leaves it over the limit for only tens of ms (the demo server
 * leaks in 100 ms steps, so its RSS jumps over the line rather than creeping); at 20 ms a
 * reading could miss that window, and the server would be seen gone without ever having
 * been seen over the limit.
 */
export const NEAR_SAMPLE_MS = 2;
/** "Near": from this fraction of the limit on. */
const NEAR = 0.95;

/**
 * Follows `pid`'s RSS until the process is gone (or is a zombie: its memory is freed).
 * `crossedAt` is the first reading at or over `limitMb`, `peak` the highest reading and
 * `goneAt` the first reading that found it gone (performance.now() times); `last` is the
 * reading before that one ({ at, mb }), which a report of a missed crossing can show.
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
  let last;
  for (;;) {
    const rss = rssMb(pid);
    const now = performance.now();
    if (rss === undefined) return { crossedAt, peak, goneAt: now, last, capped: false };
    last = { at: now, mb: rss };
    peak = Math.max(peak, rss);
    if (crossedAt === undefined && rss >= limitMb) crossedAt = now;
    if (rss >= capMb) {
      kill(pid);
      return { crossedAt, peak, last, capped: true };
    }
    if (crossedAt === undefined && now - start > crossWithinMs) return { peak, last, capped: false, timedOut: 'cross' };
    if (crossedAt !== undefined && now - crossedAt > goneWithinMs) {
      kill(pid);
      return { crossedAt, peak, last, capped: false, timedOut: 'gone' };
    }
    await delay(rss >= limitMb * NEAR ? NEAR_SAMPLE_MS : SAMPLE_MS);
  }
}

function kill(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
}
