/** What one client may cost the supervisor; see `http.createServer` for each. */
export interface ServerLimits {
  /** Largest request head; more is answered 431. */
  readonly maxHeaderBytes: number;
  /** Time for a request's head to arrive; then 408 and close. */
  readonly headersTimeoutMs: number;
  /** Time for a whole request to arrive; at least headersTimeoutMs. */
  readonly requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** How often the two timeouts above are checked (Node's default is 30 s). */
  readonly connectionsCheckingIntervalMs: number;
  /**
   * Connections open at once. One more makes room by closing the oldest idle connection
   * (no request in flight: silent so far, between requests, or still sending its head),
   * taken from the peer that holds the most; when none is idle it is closed at once.
   */
  readonly maxConnections: number;
  /**
   * Connections one non-loopback peer (an IPv4 address, an IPv6 /64) may hold; over it, its
   * own oldest idle one makes room. Loopback clients are all 127.0.0.1 (or ::1), so for them
   * the eviction above is the defence.
   */
  readonly maxConnectionsPerPeer: number;
  /** A connection that has sent no byte this long after it opened is closed (port scans, held slots). */
  readonly firstByteTimeoutMs: number;
  /** Event streams open at once (each holds a connection); more are answered 503. */
  readonly maxStreams: number;
  /** How often every open stream gets a keep-alive comment. */
  readonly streamHeartbeatMs: number;
  /** Bytes a stream may have waiting for a client that does not read; over this it is dropped. */
  readonly maxStreamBufferBytes: number;
  /** Refused requests and shed connections are reported at once, then at most once per this long, with a count. */
  readonly noticeWindowMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  maxHeaderBytes: 16_384,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 64,
  maxConnectionsPerPeer: 16,
  firstByteTimeoutMs: 1_000,
  maxStreams: 16,
  streamHeartbeatMs: 15_000,
  maxStreamBufferBytes: 1_048_576,
  noticeWindowMs: 60_000,
});

/** Fills in the defaults and checks the result; never changes `partial`. */
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits: Record<string, number> = {};
  for (const [name, fallback] of Object.entries(DEFAULT_LIMITS)) {
    const value: unknown = partial[name as keyof ServerLimits] ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`status server limit ${name} must be a positive integer, got ${String(value)}`);
    }
    limits[name] = value;
  }
  const resolved = limits as unknown as ServerLimits;
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    throw new RangeError(`status server limit headersTimeoutMs (${resolved.headersTimeoutMs}) must not exceed requestTimeoutMs (${resolved.requestTimeoutMs})`);
  }
  return Object.freeze(resolved);
}
