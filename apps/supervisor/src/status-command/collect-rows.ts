import { findSupervisors, removeStateFile, type FoundSupervisor, type Lookup } from '../state/lookup.js';
import { fetchDiagnostics, targetOf, type FetchOutcome, type StatusTarget } from './fetch-diagnostics.js';
import { factsOf, rowFromFetch, type StatusRow } from './status-row.js';

/** The mechanisms `collectRows` uses; tests may replace them. */
export interface CollectHost {
  find(lookup: Lookup): FoundSupervisor[];
  remove(found: FoundSupervisor): boolean;
  fetch(target: StatusTarget, token: string | null): Promise<FetchOutcome>;
}

const realHost: CollectHost = { find: findSupervisors, remove: removeStateFile, fetch: fetchDiagnostics };

/**
 * Every supervisor the lookup finds, as rows in the order found (newest start first):
 * stale state files are removed, and the status servers of the rest are asked at once,
 * so that one that hangs costs its timeout once, not once per supervisor.
 */
export async function collectRows(lookup: Lookup, host: CollectHost = realHost): Promise<StatusRow[]> {
  return Promise.all(
    host.find(lookup).map(async (found): Promise<StatusRow> => {
      const supervisor = factsOf(found);
      if (!found.running) return { kind: 'gone', supervisor, removed: host.remove(found) };
      if (found.record.http === null) return { kind: 'no_status_server', supervisor };
      const target = targetOf(found.record.http);
      if (target === null) return { kind: 'unreachable', supervisor, failure: { kind: 'no_address' } };
      return rowFromFetch(supervisor, await host.fetch(target, lookup.token));
    }),
  );
}
