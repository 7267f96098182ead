import { get } from 'node:http';
import { abortError, ForensicsError } from './cdp-session.js';

/** /json/list of one Node process is a few hundred bytes. */
const MAX_LIST_BYTES = 64 * 1024;

/**
 * The WebSocket URL of the inspector on `host:port`, from its `/json/list`. The answer
 * is the child's: only the target's path is taken from it (an id of letters, digits
 * and dashes), and the URL is rebuilt on the address asked, so that no answer can send
 * the supervisor anywhere else.
 */
export function fetchDebuggerUrl(host: string, port: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get({ host, port, path: '/json/list', signal, agent: false, headers: { accept: 'application/json' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_LIST_BYTES) {
          response.destroy();
          reject(new ForensicsError(`the inspector's /json/list is over ${MAX_LIST_BYTES / 1024} KiB`));
        }
      });
      response.on('error', () => reject(signal.aborted ? abortError(signal) : new ForensicsError('the inspector broke off its /json/list answer')));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new ForensicsError(`the inspector answered /json/list with HTTP ${String(response.statusCode)}`));
          return;
        }
        try {
          resolve(debuggerUrlFrom(body, host, port));
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('error', (error) => reject(signal.aborted ? abortError(signal) : new ForensicsError(`could not ask the inspector for its targets: ${error.message}`)));
  });
}

/** The first target's WebSocket URL in a /json/list body, rebuilt on `host:port`. */
export function debuggerUrlFrom(body: string, host: string, port: number): string {
  let list: unknown;
  try {
    list = JSON.parse(body);
  } catch {
    throw new ForensicsError('the inspector answered /json/list with something that is not JSON');
  }
  if (!Array.isArray(list)) throw new ForensicsError('the inspector answered /json/list with something that is not a list of targets');
  for (const target of list) {
    const url = target !== null && typeof target === 'object' ? (target as Record<string, unknown>)['webSocketDebuggerUrl'] : undefined;
    if (typeof url !== 'string') continue;
    const path = /^ws:\/\/[^/]+(\/[A-Za-z0-9-]{1,128})$/.exec(url)?.[1];
    if (path === undefined) throw new ForensicsError('the inspector named a target whose URL is not ws://host:port/id');
    return `ws://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  }
  throw new ForensicsError('the inspector lists no target with a webSocketDebuggerUrl');
}
