import { connect, type Socket } from 'node:net';

const REOPEN_DELAY_MS = 20;

export type FloodKind =
  /** Connects and sends nothing. */
  | 'idle'
  /** Sends a request line, then one header byte every `trickleMs`, never ending the head (slowloris). */
  | 'slowloris';

export interface FloodOptions {
  readonly host: string;
  readonly port: number;
  readonly kind: FloodKind;
  /** Connections kept open at once: one the server closes is opened again. */
  readonly connections: number;
  readonly trickleMs?: number;
  /** The local address to connect from (another peer address than 127.0.0.1). */
  readonly localAddress?: string;
}

/**
 * An attacker holding connections to a server: as many as asked, reopened as soon as the
 * server closes one, until stop(). Counts what the server did to them.
 */
export class ConnectionFlood {
  readonly #options: FloodOptions;
  readonly #open = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #running = false;
  /** Connections opened so far. */
  opened = 0;
  /** Connections the server closed (or refused) while the flood ran. */
  closedByServer = 0;

  constructor(options: FloodOptions) {
    this.#options = options;
  }

  /** Open sockets right now. */
  get size(): number {
    return this.#open.size;
  }

  /** Opens the connections; resolves once each one connected or failed. */
  async start(): Promise<void> {
    this.#running = true;
    await Promise.all(Array.from({ length: this.#options.connections }, () => this.#openOne()));
  }

  /** Closes every connection and resolves once all are closed; nothing is reopened. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closing = [...this.#open].map((socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve()))));
    for (const socket of this.#open) socket.destroy();
    await Promise.all(closing);
  }

  #openOne(): Promise<void> {
    const { host, port, kind, trickleMs = 300, localAddress } = this.#options;
    const socket = connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
    this.opened += 1;
    this.#open.add(socket);
    socket.on('error', () => undefined); // ECONNRESET when the server drops it
    socket.on('data', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    socket.once('close', () => {
      this.#open.delete(socket);
      if (timer !== undefined) {
        clearInterval(timer);
        this.#timers.delete(timer);
      }
      if (!this.#running) return;
      this.closedByServer += 1;
      // A little later, so that a server refusing at once does not meet a tight reconnect loop.
      const reopen = setTimeout(() => {
        this.#timers.delete(reopen);
        if (this.#running) void this.#openOne();
      }, REOPEN_DELAY_MS);
      this.#timers.add(reopen);
    });
    return new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.once('connect', () => {
        resolve();
        if (kind !== 'slowloris') return;
        socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        timer = setInterval(() => socket.write('a'), trickleMs);
        this.#timers.add(timer);
      });
    });
  }
}
