import { listensOn } from '../state/listener-check.js';
import { findSupervisors, removeStateFile, type Findings, type FoundSupervisor, type IgnoredStateFile, type Lookup } from '../state/lookup.js';
import { hasProcfs } from '../state/process-identity.js';
import { fetchDiagnostics, targetOf, type FetchOutcome, type StatusTarget } from './fetch-diagnostics.js';
import { factsOf, rowFromFetch, type StatusRow } from './status-row.js';
import { tokenDecision } from './token-policy.js';

/** The mechanisms `collectRows` uses; tests may replace them. */
export interface CollectHost {
  find(lookup: Lookup): Findings;
  remove(found: FoundSupervisor): boolean;
  /** Whether a connection to `target` reaches a listening socket of `pid`. */
  listens(pid: number, target: StatusTarget): boolean;
  fetch(target: StatusTarget, token: string | null): Promise<FetchOutcome>;
}

const realHost: CollectHost = {
  find: (lookup) => findSupervisors(lookup),
  remove: removeStateFile,
  // Without /proc (not Linux) there is nothing to check the port against.
  listens: (pid, target) => !hasProcfs() || listensOn(pid, target.host, target.port),
  fetch: fetchDiagnostics,
};

/** The rows `status` shows, and the state files it did not believe. */
export interface Collected {
  readonly rows: StatusRow[];
  readonly ignored: IgnoredStateFile[];
}

/**
 * Every supervisor the lookup finds, as rows in the order found (newest start first):
 * stale state files are removed, and the status servers of the rest are asked at once,
 * so that one that hangs costs its timeout once, not once per supervisor. A status
 * server is asked only at a port its supervisor holds, so that a state file cannot send
 * the token to whoever listens on another.
 */
export async function collectRows(lookup: Lookup, host: CollectHost = realHost): Promise<Collected> {
  const findings = host.find(lookup);
  const ignored = [...findings.ignored];
  const rows = await Promise.all(
    findings.supervisors.map(async (found): Promise<StatusRow | null> => {
      const supervisor = factsOf(found);
      if (!found.running) return { kind: 'gone', supervisor, removed: host.remove(found) };
      if (found.record.http === null) return { kind: 'no_status_server', supervisor };
      const target = targetOf(found.record.http);
      if (target === null) return { kind: 'unreachable', supervisor, failure: { kind: 'no_address' } };
      if (!host.listens(found.record.pid, target)) {
        ignored.push({ path: found.path, reason: `pid ${found.record.pid} does not listen on ${target.url.slice('http://'.length)}` });
        return null;
      }
      const token = tokenDecision(target, found.record.http.tokenRequired !== false, lookup);
      if (token.kind === 'withhold') return { kind: 'unreachable', supervisor, failure: { kind: 'token_withheld', host: target.host } };
      return rowFromFetch(supervisor, await host.fetch(target, token.token));
    }),
  );
  return { rows: rows.filter((row): row is StatusRow => row !== null), ignored };
}
