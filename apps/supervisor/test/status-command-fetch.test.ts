import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { FoundSupervisor, Lookup } from '../src/state/lookup.js';
import type { StateRecord } from '../src/state/state-file.js';
import { collectRows, type CollectHost } from '../src/status-command/collect-rows.js';
import { fetchDiagnostics, targetOf, type FetchOutcome, type StatusTarget } from '../src/status-command/fetch-diagnostics.js';

// Asking a status server for /diagnostics: a real HTTP server on 127.0.0.1, port 0.

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<StatusTarget> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('fetchDiagnostics', () => {
  it('GETs /diagnostics with the bearer token and returns the document', async () => {
    const seen: Array<{ url?: string; authorization?: string }> = [];
    const target = await serve((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      json(res, 200, { child: { pid: 1 } });
    });
    expect(await fetchDiagnostics(target, 'tok-1')).toEqual({ kind: 'ok', document: { child: { pid: 1 } } });
    expect(await fetchDiagnostics(target, null)).toEqual({ kind: 'ok', document: { child: { pid: 1 } } });
    expect(seen).toEqual([
      { url: '/diagnostics', authorization: 'Bearer tok-1' },
      { url: '/diagnostics', authorization: undefined },
    ]);
  });

  it('tells a 401 apart by whether a token was sent', async () => {
    const target = await serve((_req, res) => json(res, 401, { error: 'unauthorized', message: 'a bearer token is required' }));
    expect(await fetchDiagnostics(target, null)).toEqual({ kind: 'unauthorized', tokenSent: false });
    expect(await fetchDiagnostics(target, 'wrong')).toEqual({ kind: 'unauthorized', tokenSent: true });
  });

  it('reports other answers it cannot use as data, with the server message', async () => {
    let answer: (res: ServerResponse) => void = (res) => json(res, 500, { error: 'internal', message: 'could not answer' });
    const target = await serve((_req, res) => answer(res));
    expect(await fetchDiagnostics(target, null)).toEqual({ kind: 'http_error', status: 500, message: 'could not answer' });
    answer = (res) => res.writeHead(200).end('<html>');
    expect(await fetchDiagnostics(target, null)).toEqual({ kind: 'bad_answer', reason: 'the answer is not JSON' });
    answer = (res) => json(res, 200, [1, 2]);
    expect(await fetchDiagnostics(target, null)).toEqual({ kind: 'bad_answer', reason: 'the answer is not a JSON object' });
  });

  it('gives up at its deadline on a server that accepts and never answers', async () => {
    const target = await serve(() => undefined);
    const started = Date.now();
    expect(await fetchDiagnostics(target, null, 300)).toEqual({ kind: 'timeout', timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('says refused for a port nothing listens on', async () => {
    const target = await serve(() => undefined);
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    expect(await fetchDiagnostics(target, null)).toEqual({ kind: 'refused' });
  });
});

describe('targetOf', () => {
  it("asks on loopback for a supervisor bound to every interface, and only at the record's host and port", () => {
    expect(targetOf({ url: 'http://evil.example:80', host: '127.0.0.1', port: 8766, tokenRequired: false })).toEqual({ host: '127.0.0.1', port: 8766, url: 'http://127.0.0.1:8766' });
    expect(targetOf({ url: 'x', host: '0.0.0.0', port: 9000, tokenRequired: true })).toEqual({ host: '127.0.0.1', port: 9000, url: 'http://127.0.0.1:9000' });
    expect(targetOf({ url: 'x', host: '::', port: 9000, tokenRequired: true })).toEqual({ host: '::1', port: 9000, url: 'http://[::1]:9000' });
    expect(targetOf({ url: 'x', host: '::1', port: 9000, tokenRequired: true })?.url).toBe('http://[::1]:9000');
  });

  it('is null for no status server or an address it does not understand', () => {
    expect(targetOf(null)).toBeNull();
    expect(targetOf({ url: 'x', host: '127.0.0.1', port: 0, tokenRequired: false })).toBeNull();
    expect(targetOf({ url: 'x', host: 'some host; rm -rf', port: 80, tokenRequired: false })).toBeNull();
    expect(targetOf({ url: 'x', host: 7, port: '80' } as unknown as StateRecord['http'])).toBeNull();
  });
});

describe('collectRows', () => {
  const lookup: Lookup = { name: null, dirs: ['/state'], token: 'tok', httpHost: '127.0.0.1', logFile: null };
  const http = { url: 'http://127.0.0.1:8766', host: '127.0.0.1', port: 8766, tokenRequired: true };
  const found = (name: string, running: boolean, over: Partial<StateRecord> = {}): FoundSupervisor => ({
    path: `/state/${name}.json`,
    running,
    owner: 1000,
    ownFolder: true,
    record: { name, pid: 100, version: '0.1.0', startedAt: '2026-01-01T00:00:00.000Z', http, logFile: null, command: ['node', 's.js'], ...over },
  });

  /** A host that finds `supervisors`, says each pid holds the ports in `held`, and records what is removed and asked. */
  function hostOf(supervisors: FoundSupervisor[], held: (pid: number, target: StatusTarget) => boolean = () => true) {
    const removed: string[] = [];
    const asked: Array<[StatusTarget, string | null]> = [];
    const host: CollectHost = {
      find: () => ({ supervisors, ignored: [{ path: '/state/odd-folder', reason: 'it is a symlink' }] }),
      remove: (entry) => {
        removed.push(entry.path);
        return true;
      },
      listens: held,
      fetch: async (target, token): Promise<FetchOutcome> => {
        asked.push([target, token]);
        return { kind: 'refused' };
      },
    };
    return { host, removed, asked };
  }

  it('removes stale state files, reads the state file only where there is no status server, and asks the rest with the token', async () => {
    const { host, removed, asked } = hostOf([found('live', true), found('old', false), found('quiet', true, { http: null }), found('odd', true, { http: { ...http, host: 'not an address' } })]);
    const { rows, ignored } = await collectRows(lookup, host);
    expect(rows.map((row) => [row.supervisor.name, row.kind])).toEqual([
      ['live', 'unreachable'],
      ['old', 'gone'],
      ['quiet', 'no_status_server'],
      ['odd', 'unreachable'],
    ]);
    expect(rows[1]).toMatchObject({ kind: 'gone', removed: true });
    expect(rows[3]).toMatchObject({ failure: { kind: 'no_address' } });
    expect(removed).toEqual(['/state/old.json']);
    expect(asked).toEqual([[{ host: '127.0.0.1', port: 8766, url: 'http://127.0.0.1:8766' }, 'tok']]);
    expect(ignored).toEqual([{ path: '/state/odd-folder', reason: 'it is a symlink' }]);
  });

  it('asks no port that the supervisor does not hold, and says so', async () => {
    const { host, asked } = hostOf([found('live', true), found('forged', true, { pid: 200, http: { ...http, port: 9999 } })], (pid, target) => pid === 100 && target.port === 8766);
    const { rows, ignored } = await collectRows(lookup, host);
    expect(rows.map((row) => row.supervisor.name)).toEqual(['live']);
    expect(asked.map(([target]) => target.port)).toEqual([8766]);
    expect(ignored).toContainEqual({ path: '/state/forged.json', reason: 'pid 200 does not listen on 127.0.0.1:9999' });
  });

  it('sends the token off loopback only to the http.host of its own settings, and asks a server that needs none without it', async () => {
    const remote = { url: 'http://192.0.2.7:8766', host: '192.0.2.7', port: 8766 };
    const supervisors = [found('pod', true, { http: { ...remote, tokenRequired: true } }), found('open', true, { http: { ...remote, port: 8767, tokenRequired: false } })];
    const withheld = hostOf(supervisors);
    const { rows } = await collectRows(lookup, withheld.host);
    expect(rows[0]).toMatchObject({ kind: 'unreachable', failure: { kind: 'token_withheld', host: '192.0.2.7' } });
    expect(withheld.asked).toEqual([[{ host: '192.0.2.7', port: 8767, url: 'http://192.0.2.7:8767' }, null]]);

    const named = hostOf(supervisors);
    await collectRows({ ...lookup, httpHost: '192.0.2.7' }, named.host);
    expect(named.asked.map(([target, token]) => [target.port, token])).toEqual([
      [8766, 'tok'],
      [8767, 'tok'],
    ]);
  });
});
