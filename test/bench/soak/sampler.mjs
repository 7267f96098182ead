// The supervisor's own footprint through the soak: RSS and open FDs (and what they are).
import { fdTargets, openFds, rssMb } from '../lib/proc.mjs';

export const SAMPLE_EVERY_MS = 10_000;
/** Growth allowed between the first and the last sample (see `growth`). */
export const FD_SLACK = 4;
export const RSS_FACTOR = 1.5;
export const RSS_SLACK_MB = 20;

/** Samples `pid` every SAMPLE_EVERY_MS once started; `take()` adds one now (the start and the end). */
export function sampler(pid, since) {
  const samples = [];
  let timer;
  const take = () => {
    const rss = rssMb(pid);
    const fds = openFds(pid);
    if (rss === undefined || fds === undefined) return;
    const atS = Number(((performance.now() - since) / 1000).toFixed(1));
    samples.push({ atS, rssMb: Number(rss.toFixed(1)), fds, fdKinds: Object.fromEntries(fdTargets(pid)) });
  };
  return {
    samples,
    take,
    start() {
      take();
      timer = setInterval(take, SAMPLE_EVERY_MS);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Start, end and max of RSS and FDs, and whether they stayed bounded. The rules, at the
 * end (the child healthy again, as at the start):
 * - RSS at most RSS_FACTOR × start + RSS_SLACK_MB (V8's heap settles above its size at
 *   start-up; a leak of anything per fault, line or round grows past that within minutes);
 * - FDs at most FD_SLACK more than at the start (a probe socket in flight); one per
 *   fault, restart or client would be far more after a few minutes.
 */
export function growth(samples) {
  if (samples.length < 2) return undefined;
  const first = samples[0];
  const last = samples.at(-1);
  const max = (pick) => samples.reduce((top, sample) => Math.max(top, pick(sample)), 0);
  const rssBound = Number((first.rssMb * RSS_FACTOR + RSS_SLACK_MB).toFixed(1));
  const fdsBound = first.fds + FD_SLACK;
  // How RSS moved once warmed up: the lowest sample after the first minute, against the end.
  const warm = samples.filter((sample) => sample.atS >= 60);
  const settledLow = warm.length < 3 ? undefined : warm.reduce((low, sample) => Math.min(low, sample.rssMb), Infinity);
  return {
    rssMb: { start: first.rssMb, end: last.rssMb, max: max((s) => s.rssMb), lowAfterFirstMinute: settledLow, bound: rssBound, ok: last.rssMb <= rssBound },
    fds: { start: first.fds, end: last.fds, max: max((s) => s.fds), bound: fdsBound, ok: last.fds <= fdsBound },
    fdKinds: { start: first.fdKinds, end: last.fdKinds },
  };
}
