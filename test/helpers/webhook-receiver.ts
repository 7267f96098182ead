import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { waitUntil } from './wait.js';

/** One POST as the receiver got it: the raw body, for checking a signature over its exact bytes. */
export interface ReceivedHook {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly body: Record<string, unknown>;
}

/** What the receiver does with a request: a status to answer, or 'hang' (never answer). */
export type ReceiverAnswer = number | 'hang';

/**
 * A real HTTP server on 127.0.0.1:0 that records every request in full and answers as
 * `answer` says (it may be changed while it runs). close() ends every connection.
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  answer: (request: ReceivedHook, index: number) => ReceiverAnswer;
  readonly #server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        // Left empty: the test sees the raw bytes.
      }
      const received: ReceivedHook = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, raw, body };
      this.received.push(received);
      this.#respond(response, this.answer(received, this.received.length - 1));
    });
  });
  readonly #sockets = new Set<Socket>();
  #port = 0;

  constructor(answer: (request: ReceivedHook, index: number) => ReceiverAnswer = () => 200) {
    this.answer = answer;
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the receiver has no TCP address');
    this.#port = address.port;
    return this;
  }

  /** A Slack-like URL: its path is the credential. */
  url(path = '/services/T0000/B0000/SECRETPATHxyz'): string {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  /** Connections open now (an unanswered request holds one). */
  get openConnections(): number {
    return this.#sockets.size;
  }

  of(event: string): ReceivedHook[] {
    return this.received.filter((request) => request.body['event'] === event);
  }

  async waitFor(event: string, { count = 1, timeoutMs = 15_000 } = {}): Promise<ReceivedHook[]> {
    await waitUntil(() => this.of(event).length >= count, { timeoutMs, what: `${count} ${event} POST(s); got ${this.received.map((r) => String(r.body['event'])).join(', ')}` });
    return this.of(event);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const socket of this.#sockets) socket.destroy();
      this.#server.close(() => resolve());
    });
  }

  #respond(response: ServerResponse, answer: ReceiverAnswer): void {
    if (answer === 'hang') return;
    response.writeHead(answer, { 'Content-Type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
  }
}
