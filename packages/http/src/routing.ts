import type { IncomingMessage } from 'node:http';
import { errorReply, type Reply, type Routes } from './reply.js';

export const ALLOWED_METHODS = 'GET, HEAD';

export const UNAUTHORIZED: Reply = errorReply(
  401,
  'unauthorized',
  'this status server needs the token (MPM_HTTP_TOKEN): send "Authorization: Bearer <token>", or sign in with any user name and the token as password',
  // Two header lines, not one joined: Chromium reads one challenge per line, and would otherwise see only
  // Bearer, which it cannot answer, and show no login prompt.
  { 'WWW-Authenticate': ['Bearer realm="mpm-supervise"', 'Basic realm="mpm-supervise", charset="UTF-8"'] },
);

export const BAD_TARGET: Reply = errorReply(400, 'bad_request', 'the request target is not a valid path');

export function badRequest(message: string): Reply {
  return errorReply(400, 'bad_request', message);
}

/** 421: the request names a host this server does not answer to (RFC 9110 §15.5.20). */
export function misdirected(host: string, answersTo: string): Reply {
  return errorReply(
    421,
    'misdirected_request',
    `this status server does not answer to the Host ${host}; it answers to ${answersTo} (a guard against DNS rebinding); to reach it by another name, add that name to http.allowedHosts (MPM_HTTP_ALLOWED_HOSTS), or set MPM_HTTP_TOKEN`,
  );
}

/** Whether the request comes with a body, which the server never reads. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A request target: origin-form (`/path`), or absolute-form (`http://host/path`), which names a host. */
export interface Target {
  readonly url: URL;
  readonly absolute: boolean;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * The request target, or undefined when it cannot be parsed or is an absolute URL that is
 * not http:. An origin-form target is appended to the base rather than resolved against
 * it, so that `//x` stays the path `//x` instead of becoming a host.
 */
export function parseTarget(target: string | undefined): Target | undefined {
  if (target === undefined) return undefined;
  try {
    if (target.startsWith('/')) return { url: new URL(`http://localhost${target}`), absolute: false };
    if (!SCHEME.test(target)) return { url: new URL(target, 'http://localhost'), absolute: false };
    const url = new URL(target);
    return url.protocol === 'http:' && url.hostname !== '' ? { url, absolute: true } : undefined;
  } catch {
    return undefined;
  }
}

/** `/health/` is `/health`; `/` stays `/`. Only one trailing slash is dropped. */
export function routePath(pathname: string): string {
  return pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
}

const SHOWN_PATH_CHARS = 200;

export function notFound(path: string, routes: Routes): Reply {
  const shown = path.length > SHOWN_PATH_CHARS ? `${path.slice(0, SHOWN_PATH_CHARS)}…` : path;
  const endpoints = routes.size === 0 ? '(none)' : [...routes.keys()].join(', ');
  return errorReply(404, 'not_found', `nothing at ${shown}; endpoints: ${endpoints}`);
}

export function methodNotAllowed(method: string, path: string): Reply {
  return errorReply(405, 'method_not_allowed', `${method} is not allowed on ${path}; use GET`, { Allow: ALLOWED_METHODS });
}
