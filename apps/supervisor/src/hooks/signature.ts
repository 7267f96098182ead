import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Mpm-Signature';

/**
 * `sha256=<hex HMAC-SHA256 of the body>`, over the exact bytes sent (GitHub's scheme). The
 * body carries the event's `id` and `time`, so that a receiver can also refuse a repeat or
 * an old delivery: both are signed with it.
 */
export function signBody(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
