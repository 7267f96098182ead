import WebSocket from 'ws';

/** Something the inspector did or said that ends the hang report without a stack; the message says what. */
export class ForensicsError extends Error {
  override readonly name = 'ForensicsError';
}

/** A larger message is no inspector's answer to what is asked here. */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

type Listener = (params: unknown) => void;

/**
 * The few Chrome DevTools Protocol calls a hang report needs, over one WebSocket to the
 * child's inspector (the `ws` package, as socket.io-client uses). Everything ends with
 * `signal`: a pending call or wait is rejected and the socket torn down, so that nothing
 * outlives the report's deadline. Answers are checked, never trusted: the other end is
 * the child.
 */
export class CdpSession {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void; method: string }>();
  readonly #listeners = new Map<string, Set<Listener>>();
  #nextId = 1;
  #ended: Error | undefined;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data, isBinary) => this.#onMessage(isBinary ? '' : String(data)));
    socket.on('close', () => this.#end(new ForensicsError('the inspector closed the connection')));
    socket.on('error', (error) => this.#end(new ForensicsError(`the inspector connection failed: ${error.message}`)));
  }

  /** Connects to `url` (a ws:// URL on loopback, checked by the caller). */
  static open(url: string, signal: AbortSignal): Promise<CdpSession> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError(signal));
        return;
      }
      const socket = new WebSocket(url, { maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, followRedirects: false });
      const session = new CdpSession(socket);
      const onAbort = (): void => {
        session.close();
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('open', () => {
        signal.removeEventListener('abort', onAbort);
        signal.addEventListener('abort', () => session.#end(abortError(signal)), { once: true });
        resolve(session);
      });
      socket.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(new ForensicsError(`could not connect to the inspector: ${error.message}`));
      });
    });
  }

  /** Sends `method` and resolves with its result; rejects on a protocol error or when the session ends. */
  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Calls `listener` with the params of every `method` event, until the session ends. */
  on(method: string, listener: Listener): void {
    const set = this.#listeners.get(method) ?? new Set();
    set.add(listener);
    this.#listeners.set(method, set);
  }

  /** The params of the next `method` event. */
  next(method: string): Promise<unknown> {
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => {
      // Kept with the calls (under a key no call has), so that the session's end rejects it too.
      const key = -this.#nextId++;
      const listener: Listener = (params) => {
        this.#listeners.get(method)?.delete(listener);
        this.#pending.delete(key);
        resolve(params);
      };
      this.on(method, listener);
      this.#pending.set(key, { resolve: () => undefined, reject, method });
    });
  }

  /** Ends the session and closes the socket at once (the child resumes, to be killed). */
  close(): void {
    this.#end(new ForensicsError('the session was closed'));
  }

  #onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.#end(new ForensicsError('the inspector sent something that is not JSON'));
      return;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      this.#end(new ForensicsError('the inspector sent something that is not a DevTools protocol message'));
      return;
    }
    const { id, method, params, result, error } = message as Record<string, unknown>;
    if (typeof id === 'number') {
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      this.#pending.delete(id);
      if (error !== undefined) pending.reject(new ForensicsError(`the inspector refused ${pending.method}: ${describeError(error)}`));
      else pending.resolve(result);
      return;
    }
    if (typeof method === 'string') for (const listener of [...(this.#listeners.get(method) ?? [])]) listener(params);
  }

  #end(reason: Error): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    for (const pending of this.#pending.values()) pending.reject(reason);
    this.#pending.clear();
    this.#listeners.clear();
    this.#socket.removeAllListeners('message');
    // The socket's own errors after the end are of no interest, but must not go unhandled.
    this.#socket.on('error', () => undefined);
    this.#socket.terminate();
  }
}

/** The error a step rejects with once the report's deadline has passed. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new ForensicsError('the time for the hang report ran out');
}

function describeError(error: unknown): string {
  const message = error !== null && typeof error === 'object' ? (error as Record<string, unknown>)['message'] : undefined;
  return typeof message === 'string' ? message.slice(0, 200) : 'an error';
}
