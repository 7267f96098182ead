import { parseDuration } from '@mpm/config';

// What the tests of the deployment files users copy (systemd-unit.test.ts,
// k8s-manifests.test.ts) share.

/** What the supervisor needs beyond the child's kill timeout to stop and exit (ms). */
export const SHUTDOWN_MARGIN_MS = 5_000;

/** Milliseconds from a config value given as a number of ms or a duration string. */
export function ms(value: unknown): number {
  const parsed = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : undefined;
  if (parsed === undefined) throw new Error(`not a duration: ${JSON.stringify(value)}`);
  return parsed;
}
