import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^bearer\s+(\S.*)$/i;
const BASIC = /^basic\s+(\S+)$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Whether `presented` is `token`. Both sides are hashed before the constant-time comparison,
 * so neither their content nor their length shows in the time it takes.
 */
function sameSecret(presented: string, token: string): boolean {
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * Whether `Authorization: Bearer <token>` carries `token`. The scheme is case-insensitive and
 * surrounding whitespace is ignored; a missing or malformed header does not match.
 */
export function bearerTokenMatches(authorizationHeader: string | undefined, token: string): boolean {
  if (typeof authorizationHeader !== 'string' || token.length === 0) return false;
  const presented = BEARER.exec(authorizationHeader.trim())?.[1];
  if (presented === undefined) return false;
  return sameSecret(presented.trim(), token);
}

/** The password of `Authorization: Basic base64(user:password)`, or undefined when the header is not one. */
function basicPassword(authorizationHeader: string): string | undefined {
  const encoded = BASIC.exec(authorizationHeader.trim())?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  let credentials: string;
  try {
    credentials = UTF8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined; // not UTF-8, which the challenge asks for
  }
  const colon = credentials.indexOf(':');
  return colon === -1 ? undefined : credentials.slice(colon + 1);
}

/**
 * Whether `Authorization: Basic base64(user:password)` carries `token` as its password; the
 * user name, empty included, does not matter. This is what a browser's own login prompt sends.
 * Malformed base64, bytes that are not UTF-8, or no colon do not match.
 */
export function basicPasswordMatches(authorizationHeader: string | undefined, token: string): boolean {
  if (typeof authorizationHeader !== 'string' || token.length === 0) return false;
  const password = basicPassword(authorizationHeader);
  if (password === undefined) return false;
  return sameSecret(password, token);
}

/** Whether the request carries `token`, as a bearer token or as a Basic auth password. */
export function tokenMatches(authorizationHeader: string | undefined, token: string): boolean {
  return bearerTokenMatches(authorizationHeader, token) || basicPasswordMatches(authorizationHeader, token);
}
