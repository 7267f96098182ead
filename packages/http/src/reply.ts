import type { StreamReply } from './event-stream.js';

/** Extra headers of an answer; a list is sent as one header line per value. */
export type ReplyHeaders = Readonly<Record<string, string | readonly string[]>>;

/** What a route answers: the status server adds the headers every answer carries. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  /** Bytes are sent as they are (e.g. already gzipped, with a Content-Encoding header). */
  readonly body: string | Uint8Array;
  /** Extra headers, e.g. `Retry-After`. */
  readonly headers?: ReplyHeaders;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer, indented so that `curl` output reads well. */
export function jsonReply(status: number, value: unknown, contentType: string = JSON_TYPE, headers?: ReplyHeaders): Reply {
  return { status, contentType, body: `${JSON.stringify(value, null, 2)}\n`, ...(headers === undefined ? {} : { headers }) };
}

/** The body of every error answer: a code a script can test and one line for a person. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
}

export function errorReply(status: number, error: string, message: string, headers?: ReplyHeaders): Reply {
  return jsonReply(status, { error, message } satisfies ErrorBody, JSON_TYPE, headers);
}

/** What a route sees of a request: the method is GET or HEAD (others never reach a route). */
export interface RouteRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  /** Accept-Encoding allows gzip. */
  readonly acceptsGzip: boolean;
}

/** A route: a whole answer, or a StreamReply that keeps the response open for Server-Sent Events. */
export type Handler = (request: RouteRequest) => Reply | StreamReply | Promise<Reply | StreamReply>;

/** Path → handler; exact paths, no patterns. */
export type Routes = ReadonlyMap<string, Handler>;
