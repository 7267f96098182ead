/** HTTP and raw TCP clients for the status server tests, with deadlines instead of sleeps. */
import { expect } from '@jest/globals';
import { request, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { ListeningAddress } from '../src/index.js';

const rawSockets: Socket[] = [];

/** For afterEach: destroys every RawClient's socket. */
export function destroyRawClients(): void {
  for (const socket of rawSockets.splice(0)) socket.destroy();
}

/** Rejects when `promise` has not settled within `ms`; clears its timer either way. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Name, value, name, value…, as they came: repeated headers stay apart. */
  readonly rawHeaders: readonly string[];
}

export function fetchFrom(address: ListeningAddress, path: string, options: { method?: string; headers?: OutgoingHttpHeaders; agent?: Agent } = {}): Promise<Answer> {
  return within(
    new Promise<Answer>((resolve, reject) => {
      const req = request(`${address.url}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }),
    10_000,
    `an answer to ${options.method ?? 'GET'} ${path}`,
  );
}

export function expectCommonHeaders(answer: Pick<Answer, 'headers' | 'body'>, contentType = 'application/json; charset=utf-8'): void {
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['content-type']).toBe(contentType);
  expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
}

export function expectError(answer: Answer, status: number, error: string): { error: string; message: string } {
  expect(answer.status).toBe(status);
  expectCommonHeaders(answer);
  const body = JSON.parse(answer.body) as { error: string; message: string };
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(error);
  expect(body.message).not.toContain('\n');
  expect(body.message).not.toMatch(/\bat .*:\d+:\d+/);
  return body;
}

/** A raw TCP client that records what it receives and when the server closes it. */
export class RawClient {
  data = '';
  readonly closed: Promise<void>;
  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
    rawSockets.push(socket);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (this.data += chunk));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET when the server hangs up while we write
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(address: ListeningAddress): Promise<RawClient> {
    const socket = connect(address.port, address.host);
    const client = new RawClient(socket);
    await within(new Promise((resolve) => socket.once('connect', resolve)), 5_000, 'connect');
    return client;
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** The status line, lower-cased headers and body of the first answer received. */
  answer(): Answer {
    const end = this.data.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = this.data.slice(0, end).split('\r\n');
    const headers: IncomingHttpHeaders = {};
    const rawHeaders: string[] = [];
    for (const line of lines) {
      const [name, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()];
      headers[name.toLowerCase()] = value;
      rawHeaders.push(name, value);
    }
    const length = Number(headers['content-length']);
    return { status: Number(statusLine.split(' ')[1]), headers, rawHeaders, body: this.data.slice(end + 4, end + 4 + length) };
  }
}
