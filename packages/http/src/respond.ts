import type { ServerResponse } from 'node:http';
import { errorReply, type Reply } from './reply.js';

/** Headers every answer carries; a route cannot override them. */
const ALWAYS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;
const RESERVED = new Set(['content-type', 'content-length', 'cache-control', 'x-content-type-options', 'connection', 'transfer-encoding']);

function headersOf(reply: Reply, close: boolean): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    if (!RESERVED.has(name.toLowerCase())) headers[name] = typeof value === 'string' ? value : [...value];
  }
  return {
    ...headers,
    'Content-Type': reply.contentType,
    'Content-Length': String(Buffer.byteLength(reply.body)),
    ...ALWAYS,
    ...(close ? { Connection: 'close' } : {}),
  };
}

export interface SendOptions {
  /** HEAD: the same headers as GET, Content-Length included, and no body. */
  readonly head: boolean;
  /** Close the connection after this answer (the request came with a body). */
  readonly close: boolean;
}

/**
 * Writes `reply` at once, head and body in one go, so that nothing else can come between.
 * Does nothing when the client is gone or an answer has started; throws (before writing
 * anything) when the reply has an invalid status or header.
 */
export function send(res: ServerResponse, reply: Reply, { head, close }: SendOptions): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, headersOf(reply, close));
  res.end(head ? undefined : reply.body);
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** A whole HTTP/1.1 answer as text, for a socket the HTTP parser has given up on. */
export function rawAnswer(status: 400 | 408 | 431, error: string, message: string): string {
  const reply = errorReply(status, error, message);
  const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? ''}`];
  for (const [name, value] of Object.entries(headersOf(reply, true))) {
    for (const one of typeof value === 'string' ? [value] : value) lines.push(`${name}: ${one}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${reply.body}`;
}
