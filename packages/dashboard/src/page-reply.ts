import { gzipSync } from 'node:zlib';
import type { Reply, RouteRequest } from '@mpm/http';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './generated/page.js';

const HEADERS = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  Vary: 'Accept-Encoding',
} as const;

/** Compressed once, at the first request that takes it: 80 KB become about 33. */
let gzipped: Buffer | undefined;

/**
 * GET /: the whole page in one answer, script and style inline, gzipped for a browser. The
 * CSP allows exactly those inline blocks (by hash) and requests to this origin, so that
 * text from the child shown on the page can never run as script.
 */
export function dashboardPageReply(request: Pick<RouteRequest, 'acceptsGzip'>): Reply {
  const type = 'text/html; charset=utf-8';
  if (!request.acceptsGzip) return { status: 200, contentType: type, body: DASHBOARD_HTML, headers: HEADERS };
  gzipped ??= gzipSync(DASHBOARD_HTML, { level: 9 });
  return { status: 200, contentType: type, body: gzipped, headers: { ...HEADERS, 'Content-Encoding': 'gzip' } };
}
