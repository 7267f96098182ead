import { openSync } from 'node:fs';
import type { Faults } from './faults.js';

const PACE_MS = 100;
const MIB = 1024 * 1024;
// Non-zero, so every page is written and counts in RSS (zeroed pages may stay virtual).
const FILL_BYTE = 0x5a;

/**
 * Runs the memory and file-descriptor leak switches. Both work in 100 ms steps and carry
 * the fraction over, so rates below 10 per second still come out right over time.
 * Returns a function that stops leaking (what leaked stays leaked).
 */
export function startLeaks(faults: Faults, warn: (line: string) => void): () => void {
  const stops: Array<() => void> = [];
  if (faults.leakMbPerSec > 0) stops.push(leakMemory(faults.leakMbPerSec));
  if (faults.leakFdsPerSec > 0) {
    const opened: number[] = [];
    const stop = paced(faults.leakFdsPerSec, (count) => {
      try {
        for (let i = 0; i < count; i += 1) opened.push(openSync('/dev/null', 'r'));
      } catch (error) {
        // Out of descriptors (EMFILE) is the expected end; say so once and stop trying.
        const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
        warn(`demo-server fd leak stopped after ${opened.length} open fds: ${code}`);
        stop();
      }
    });
    stops.push(stop);
  }
  return () => stops.forEach((stop) => stop());
}

/** Retains `mbPerSec` MiB more every second, written so that it counts in RSS. Returns a function that stops it. */
export function leakMemory(mbPerSec: number): () => void {
  const retained: Buffer[] = [];
  return paced(mbPerSec * MIB, (bytes) => {
    retained.push(Buffer.alloc(bytes, FILL_BYTE));
  });
}

/** Calls `step` every PACE_MS with the whole units owed at `perSecond`. */
function paced(perSecond: number, step: (units: number) => void): () => void {
  let owed = 0;
  const timer = setInterval(() => {
    owed += (perSecond * PACE_MS) / 1000;
    const units = Math.floor(owed);
    if (units === 0) return;
    owed -= units;
    step(units);
  }, PACE_MS);
  timer.unref();
  return () => clearInterval(timer);
}
