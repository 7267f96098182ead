/** The wait before the first retry; it doubles per retry up to MAX_RETRY_DELAY_MS. */
export const FIRST_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 30_000;
/** A receiver's Retry-After is followed up to this long; a longer one is cut to it. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long to wait before retry `retry` (1, 2, …): exponential, with "equal jitter" (half
 * fixed, half random) so that supervisors that failed together do not retry together. A
 * receiver that said Retry-After gets at least that, within MAX_RETRY_AFTER_MS.
 */
export function retryDelayMs(retry: number, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, retry - 1));
  const backoff = Math.round(ceiling / 2 + (ceiling / 2) * random());
  return retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Retry-After as seconds ("120") or an HTTP date; undefined when it is neither or in the past. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || at <= now) return undefined;
  return at - now;
}
