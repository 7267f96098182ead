/** What a route answers: the status server adds the headers every answer carries. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Extra headers, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer, indented so that `curl` output reads well. */
export function jsonReply(status: number, value: unknown, contentType: string = JSON_TYPE, headers?: Readonly<Record<string, string>>): Reply {
  return { status, contentType, body: `${JSON.stringify(value, null, 2)}\n`, ...(headers === undefined ? {} : { headers }) };
}

/** The body of every error answer: a code a script can test and one line for a person. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
}

export function errorReply(status: number, error: string, message: string, headers?: Readonly<Record<string, string>>): Reply {
  return jsonReply(status, { error, message } satisfies ErrorBody, JSON_TYPE, headers);
}

/** What a route sees of a request: the method is GET or HEAD (others never reach a route). */
export interface RouteRequest {
  readonly path: string;
  readonly query: URLSearchParams;
}

export type Handler = (request: RouteRequest) => Reply | Promise<Reply>;

/** Path → handler; exact paths, no patterns. */
export type Routes = ReadonlyMap<string, Handler>;
