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

/** Whether the request comes with a body, which the server never reads. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The request target as a URL, or undefined when it cannot be parsed. An origin-form target
 * is appended to the base rather than resolved against it, so that `//x` stays the path
 * `//x` instead of becoming a host.
 */
export function parseTarget(target: string | undefined): URL | undefined {
  if (target === undefined) return undefined;
  try {
    return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target, 'http://localhost');
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
