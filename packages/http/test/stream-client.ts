/** An HTTP client for event streams that records what arrives, for the status server tests. */
import { request, type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { ListeningAddress } from '../src/index.js';
import { waitUntil } from '../../../test/helpers/wait.js';
import { within } from './clients.js';

const openClients: StreamClient[] = [];

/** For afterEach: ends every StreamClient's connection. */
export function destroyStreamClients(): void {
  for (const client of openClients.splice(0)) client.destroy();
}

export class StreamClient {
  data = '';
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly closed: Promise<void>;
  #ended = false;
  readonly #request: ClientRequest;

  private constructor(req: ClientRequest, status: number, headers: IncomingHttpHeaders, closed: Promise<void>) {
    this.#request = req;
    this.status = status;
    this.headers = headers;
    this.closed = closed.then(() => void (this.#ended = true));
  }

  /** Resolves once the response head has arrived. */
  static open(address: ListeningAddress, path: string, headers: OutgoingHttpHeaders = {}): Promise<StreamClient> {
    return within(
      new Promise<StreamClient>((resolve, reject) => {
        const req = request(`${address.url}${path}`, { headers, agent: false }, (res) => {
          res.setEncoding('utf8');
          const closed = new Promise<void>((done) => res.once('close', () => done()));
          const client = new StreamClient(req, res.statusCode ?? 0, res.headers, closed);
          openClients.push(client);
          res.on('data', (chunk: string) => (client.data += chunk));
          res.on('error', () => undefined); // "aborted" when the server drops the stream
          resolve(client);
        });
        req.on('error', reject);
        req.end();
      }),
      10_000,
      `the head of GET ${path}`,
    );
  }

  get isClosed(): boolean {
    return this.#ended;
  }

  /** Waits until `text` has arrived. */
  async waitFor(text: string, timeoutMs = 5_000): Promise<void> {
    await waitUntil(() => this.data.includes(text), { timeoutMs, what: `${JSON.stringify(text)} on the stream` });
  }

  destroy(): void {
    this.#request.destroy();
  }
}
