/** Polls `condition` until it holds or the deadline passes; no fixed sleeps in tests. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 15_000, intervalMs = 20, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
