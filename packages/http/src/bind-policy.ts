import { BlockList, isIP } from 'node:net';
import { UnsafeBindingError } from './errors.js';

/** The brackets of a URL-style IPv6 host, `[::1]`, are tolerated. */
function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * True when only this machine can reach `host`: `localhost`, 127.0.0.0/8, `::1` and
 * `::ffff:127.x.x.x`. Any other name or address (0.0.0.0 and :: included) is not.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracketed(host.trim());
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  if (family === 0) return false;
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  // BlockList checks an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 rules.
  return loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export interface BindingRequest {
  readonly host: string;
  readonly token: string | null | undefined;
  /** --http-insecure: the operator says the network is trusted. */
  readonly insecure: boolean;
}

/** Refuses to serve /diagnostics to the network without a token, unless told the network is trusted. */
export function assertSafeBinding({ host, token, insecure }: BindingRequest): void {
  const hasToken = typeof token === 'string' && token.length > 0;
  if (hasToken || insecure || isLoopbackHost(host)) return;
  throw new UnsafeBindingError(
    host,
    `refusing to serve the status server on ${host} without a token: anyone who can reach it could read /diagnostics; set MPM_HTTP_TOKEN, or pass --http-insecure if the network is trusted`,
  );
}
