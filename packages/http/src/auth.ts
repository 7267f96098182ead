import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^bearer\s+(\S.*)$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Whether `Authorization: Bearer <token>` carries `token`. The scheme is case-insensitive and
 * surrounding whitespace is ignored; a missing or malformed header does not match. Both sides
 * are hashed before the constant-time comparison, so neither their content nor their length
 * shows in the time it takes.
 */
export function bearerTokenMatches(authorizationHeader: string | undefined, token: string): boolean {
  if (typeof authorizationHeader !== 'string' || token.length === 0) return false;
  const presented = BEARER.exec(authorizationHeader.trim())?.[1];
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented.trim()), digest(token));
}
