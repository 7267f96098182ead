import { isLoopbackHost } from '@mpm/http';
import type { Lookup } from '../state/lookup.js';
import type { StatusTarget } from './fetch-diagnostics.js';

/** Whether to ask a status server, and with which token. */
export type TokenDecision = { readonly kind: 'send'; readonly token: string | null } | { readonly kind: 'withhold' };

/**
 * The bearer token goes to a loopback address, or to the one address off loopback that
 * the settings the token comes from name as http.host (MPM_HTTP_HOST, --config): the
 * token and the place it belongs come from the same hand, not from a state file. A
 * server that needs no token is asked without one.
 */
export function tokenDecision(target: StatusTarget, tokenRequired: boolean, lookup: Pick<Lookup, 'token' | 'httpHost'>): TokenDecision {
  if (lookup.token === null) return { kind: 'send', token: null };
  if (isLoopbackHost(target.host) || sameHost(target.host, lookup.httpHost)) return { kind: 'send', token: lookup.token };
  return tokenRequired ? { kind: 'withhold' } : { kind: 'send', token: null };
}

function sameHost(a: string, b: string): boolean {
  const bare = (host: string): string =>
    host
      .trim()
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase();
  return bare(a) === bare(b);
}
