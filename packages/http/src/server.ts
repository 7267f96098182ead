import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { acceptsGzip } from './accept-encoding.js';
import { tokenMatches } from './auth.js';
import { answerClientError } from './client-error.js';
import { ConnectionGuard, type Shed } from './connection-guard.js';
import { Episode } from './episode.js';
import { describeListenError, hostPort } from './errors.js';
import { requestHost } from './host-header.js';
import { HostPolicy } from './host-policy.js';
import { resolveLimits, type ServerLimits } from './limits.js';
import { isStreamReply } from './event-stream.js';
import { errorReply, type Routes } from './reply.js';
import { send } from './respond.js';
import { BAD_TARGET, UNAUTHORIZED, badRequest, hasBody, methodNotAllowed, misdirected, notFound, parseTarget, routePath } from './routing.js';
import type { ServerNotice } from './server-notice.js';
import { StreamRegistry } from './stream-registry.js';

export { DEFAULT_LIMITS, type ServerLimits } from './limits.js';

export interface StatusServerOptions {
  readonly host: string;
  /** 0 for any free port; `listen()` tells which. */
  readonly port: number;
  /**
   * When a non-empty string, every request needs it: `Authorization: Bearer <token>`, or Basic auth with it as password.
   * Without it, only requests whose Host names this server are answered (see HostPolicy); others get 421.
   */
  readonly token?: string | null;
  /** More Host names to answer to without a token, e.g. a reverse proxy's. */
  readonly allowedHosts?: readonly string[];
  /** Taken as they are at construction. */
  readonly routes: Routes;
  /** A handler threw or rejected (the client got a 500 without the error), or a stream callback or cleanup threw (the stream ended). */
  readonly onHandlerError?: (error: unknown, path: string) => void;
  /** The listening server failed, e.g. EMFILE on accept; it goes on serving. */
  readonly onServerError?: (error: Error) => void;
  /** Requests refused for their Host, connections shed at the limits: at once, then at most once per noticeWindowMs. */
  readonly onNotice?: (notice: ServerNotice) => void;
  readonly limits?: Partial<ServerLimits>;
}

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
  /** e.g. `http://127.0.0.1:40123`, `http://[::1]:40123`. */
  readonly url: string;
}

/** The generic part of the status server: limits, auth, routing, errors; the routes say what. */
export class StatusServer {
  readonly #options: StatusServerOptions;
  readonly #routes: Routes;
  readonly #token: string | undefined;
  readonly #limits: ServerLimits;
  readonly #server: Server;
  readonly #streams: StreamRegistry;
  readonly #connections: ConnectionGuard;
  readonly #refusedHosts: Episode;
  readonly #shedConnections: Episode;
  #hosts: HostPolicy | undefined;
  #address: ListeningAddress | undefined;
  #starting: Promise<ListeningAddress> | undefined;
  #closing: Promise<void> | undefined;
  /** Connections with an answer on its way, or one that closes them. */
  readonly #answering = new WeakSet<object>();

  constructor(options: StatusServerOptions) {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
      throw new RangeError(`status server port must be an integer from 0 to 65535, got ${String(options.port)}`);
    }
    this.#options = options;
    this.#routes = new Map(options.routes);
    this.#token = typeof options.token === 'string' && options.token.length > 0 ? options.token : undefined;
    this.#limits = resolveLimits(options.limits);
    this.#streams = new StreamRegistry(this.#limits, (error, path) => this.#reportHandlerError(error, path));
    this.#refusedHosts = new Episode(this.#limits.noticeWindowMs, ({ first, count, samples }) => this.#notify({ kind: 'hosts_refused', first, count, hosts: samples }));
    this.#shedConnections = new Episode(this.#limits.noticeWindowMs, ({ first, count, tags, samples }) =>
      this.#notify({ kind: 'connections_shed', first, count, evicted: tags['evicted'] ?? 0, refused: tags['refused'] ?? 0, peers: samples, limits: this.#limits }),
    );
    this.#connections = new ConnectionGuard(this.#limits, (shed: Shed) => this.#shedConnections.record(shed.address, shed.action));
    this.#server = createServer({
      // Node would answer a request without Host with a bare 400 of its own; #answer does it in JSON.
      requireHostHeader: false,
      maxHeaderSize: this.#limits.maxHeaderBytes,
      headersTimeout: this.#limits.headersTimeoutMs,
      requestTimeout: this.#limits.requestTimeoutMs,
      keepAliveTimeout: this.#limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: this.#limits.connectionsCheckingIntervalMs,
    });
    // Not server.maxConnections: at the limit it turns every newcomer away, so that connections held
    // idle would starve a liveness probe; the guard makes room for the newcomer instead.
    this.#server.on('connection', (socket: Socket) => this.#connections.admit(socket));
    this.#server.on('request', this.#onRequest);
    // With a listener, Node does not send "100 Continue": the client gets the final answer instead of sending a body.
    this.#server.on('checkContinue', this.#onRequest);
    this.#server.on('clientError', (error: Error, socket) => answerClientError(error, socket, this.#limits, this.#answering.has(socket)));
    // Errors of a listening server (accept failing on EMFILE) must not crash the process.
    this.#server.on('error', (error) => {
      if (this.#address !== undefined) this.#options.onServerError?.(error);
    });
  }

  get address(): ListeningAddress | undefined {
    return this.#address;
  }

  /** Connections open now (each counts against maxConnections). */
  get openConnections(): number {
    return this.#connections.size;
  }

  /** Starts listening; rejects with a ListenError. Calling it again while it runs or after it succeeded gives the same answer. */
  listen(): Promise<ListeningAddress> {
    if (this.#closing !== undefined) return Promise.reject(new Error('the status server is closed'));
    this.#starting ??= this.#listenOnce();
    return this.#starting;
  }

  #listenOnce(): Promise<ListeningAddress> {
    const { host, port } = this.#options;
    return new Promise<ListeningAddress>((resolve, reject) => {
      const onError = (error: Error): void => {
        this.#server.off('listening', onListening);
        this.#starting = undefined;
        reject(describeListenError(host, port, error));
      };
      const onListening = (): void => {
        this.#server.off('error', onError);
        const bound = this.#server.address() as AddressInfo;
        this.#hosts = new HostPolicy({
          listenHost: host,
          boundAddress: bound.address,
          ...(this.#options.allowedHosts === undefined ? {} : { allowedHosts: this.#options.allowedHosts }),
        });
        this.#address = { host: bound.address, port: bound.port, url: `http://${hostPort(bound.address, bound.port)}` };
        resolve(this.#address);
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen({ host, port });
    });
  }

  /** Stops accepting, ends every open connection and event stream at once and resolves when all are closed. */
  close(): Promise<void> {
    this.#closing ??= this.#closeOnce();
    return this.#closing;
  }

  async #closeOnce(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    this.#streams.closeAll();
    this.#connections.closeAll();
    this.#refusedHosts.close();
    this.#shedConnections.close();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    this.#address = undefined;
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket;
    this.#answering.add(socket);
    this.#connections.requestStarted(socket);
    res.once('finish', () => {
      if (res.shouldKeepAlive) this.#answering.delete(socket);
    });
    // 'close' comes once the answer is written or the client is gone, and last for an event stream.
    res.once('close', () => this.#connections.requestEnded(socket));
    this.#answer(req, res).catch((error: unknown) => {
      res.destroy();
      this.#options.onServerError?.(error instanceof Error ? error : new Error(String(error)));
    });
  };

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    const how = { head, close: hasBody(req) };
    const target = parseTarget(req.url);
    if (target === undefined) return send(res, BAD_TARGET, how);
    const host = requestHost(req, target.absolute ? target.url : undefined);
    if (host.kind === 'invalid') return send(res, badRequest(host.message), { head, close: true });
    if (this.#token !== undefined) {
      if (!tokenMatches(req.headers.authorization, this.#token)) return send(res, UNAUTHORIZED, how);
    } else if (host.kind === 'named' && this.#hosts !== undefined && !this.#hosts.allows(host.host.name)) {
      // /health/live too: a probe sent under a name that is not this server's is misconfigured.
      this.#refusedHosts.record(host.host.shown);
      return send(res, misdirected(host.host.shown, this.#hosts.describe()), { head, close: true });
    }
    const url = target.url;
    const path = routePath(url.pathname);
    const handler = this.#routes.get(path);
    if (handler === undefined) return send(res, notFound(path, this.#routes), how);
    if (req.method !== 'GET' && !head) return send(res, methodNotAllowed(req.method ?? '?', path), how);
    try {
      const reply = await handler({ path, query: url.searchParams, acceptsGzip: acceptsGzip(req.headers['accept-encoding']) });
      if (isStreamReply(reply)) this.#streams.open(res, reply, how, path);
      else send(res, reply, how);
    } catch (error) {
      this.#reportHandlerError(error, path);
      send(res, errorReply(500, 'internal_error', `the status server could not answer ${path}; the supervisor log says why`), how);
    }
  }

  #notify(notice: ServerNotice): void {
    try {
      this.#options.onNotice?.(notice);
    } catch {
      // As for #reportHandlerError.
    }
  }

  #reportHandlerError(error: unknown, path: string): void {
    try {
      this.#options.onHandlerError?.(error, path);
    } catch {
      // A failing reporter must not take the status server, or the process, down with it.
    }
  }
}
