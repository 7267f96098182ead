import { isIPv6 } from 'node:net';

/** The host a request names, ready to compare: lower case, IPv6 without brackets, no trailing dot. */
export interface NamedHost {
  readonly name: string;
  /** As received (cut to SHOWN_HOST_CHARS), for messages and logs. */
  readonly shown: string;
}

/** What a request says about the host it is for. */
export type RequestHost =
  | { readonly kind: 'named'; readonly host: NamedHost }
  /** HTTP/1.0 without Host: it names nothing to check (a browser always sends a Host). */
  | { readonly kind: 'unnamed' }
  | { readonly kind: 'invalid'; readonly message: string };

/** What requestHost needs of an IncomingMessage. */
export interface HostSource {
  readonly httpVersion: string;
  readonly headersDistinct: Readonly<Record<string, readonly string[] | undefined>>;
}

const SHOWN_HOST_CHARS = 100;
// RFC 3986 reg-name: unreserved, pct-encoded and sub-delims characters.
const REG_NAME = /^[A-Za-z0-9\-._~%!$&'()*+,;=]+$/;
const PORT = /^\d{0,5}$/;

/** `name` lower case, an IPv6 address in its canonical form without brackets, one trailing dot dropped. */
export function canonicalHostName(name: string): string {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  // The WHATWG URL parser writes an IPv6 address one way only (::1, never 0:0:0:0:0:0:0:1).
  if (isIPv6(bare)) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const lower = bare.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function shown(text: string): string {
  return text.length > SHOWN_HOST_CHARS ? `${text.slice(0, SHOWN_HOST_CHARS)}…` : text;
}

/** `host[:port]` as RFC 9110 allows it in Host, or undefined; the port is checked, then set aside. */
export function parseHostHeader(text: string): NamedHost | undefined {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    host = text.slice(1, close);
    rest = text.slice(close + 1);
    if (close === -1 || !isIPv6(host)) return undefined;
  } else {
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    rest = colon === -1 ? '' : text.slice(colon);
    if (!REG_NAME.test(host)) return undefined;
  }
  if (rest !== '' && !(rest.startsWith(':') && PORT.test(rest.slice(1)) && Number(rest.slice(1)) <= 65_535)) return undefined;
  return { name: canonicalHostName(host), shown: shown(text) };
}

/**
 * The host a request is for (RFC 9112 §3.2): the authority of an absolute-form target
 * (`GET http://host/path`), which wins over Host, else the one Host header. Two Host
 * headers, none in HTTP/1.1, or one that is not a host are invalid (400).
 */
export function requestHost(req: HostSource, absoluteTarget: URL | undefined): RequestHost {
  const hosts = req.headersDistinct['host'] ?? [];
  if (hosts.length > 1) return { kind: 'invalid', message: `the request has ${hosts.length} Host headers; HTTP allows one (RFC 9112)` };
  if (absoluteTarget !== undefined) {
    const named = parseHostHeader(absoluteTarget.host);
    return named === undefined ? { kind: 'invalid', message: 'the request target names no host' } : { kind: 'named', host: named };
  }
  const [header] = hosts;
  if (header === undefined) {
    return req.httpVersion === '1.0' ? { kind: 'unnamed' } : { kind: 'invalid', message: 'an HTTP/1.1 request needs a Host header (RFC 9112), e.g. Host: localhost' };
  }
  const named = parseHostHeader(header);
  if (named === undefined) return { kind: 'invalid', message: `the Host header ${JSON.stringify(shown(header))} is not a host name or address with an optional port` };
  return { kind: 'named', host: named };
}
