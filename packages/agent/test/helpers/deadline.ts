// Generous: these bound waits on a slow, busy machine; they are not how long things take.
export const DEADLINE_MS = 15_000;

/** Resolves with the promise, or rejects naming `what` once the deadline passes. */
export function within<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
