import type { ReadyMessage, ServiceStats } from '@mpm/protocol';

/** Where the network probes connect. */
export interface ProbeAddress {
  readonly host: string;
  readonly port: number;
  /** The Socket.IO URL, e.g. http://127.0.0.1:3000 (path and query of a probeUrl kept). */
  readonly url: string;
  /** The URL as logs and the status server show it: a password or token in it hidden. */
  readonly shownUrl: string;
  /** Who said so: `--port`/`child.port`, `health.probeUrl`, or the agent's mpm:ready. */
  readonly source: 'port' | 'probe_url' | 'agent';
  /** The Socket.IO server's engine path (health.probePath), e.g. /socket.io/. */
  readonly path: string;
  readonly tls: ProbeTls;
  /**
   * Where to look when nothing listens at `host`: [::1] for a port on loopback, since a
   * server that listens on "localhost" may have bound only its IPv6 address.
   */
  readonly fallback?: ProbeAddress;
}

/** How an https:// probe checks the server's certificate (health.probeCaFile, health.probeInsecure). */
export interface ProbeTls {
  /** PEM certificate authorities trusted besides the system ones. */
  readonly ca?: string;
  readonly rejectUnauthorized: boolean;
  /** Why the CA file could not be used: the probe says so instead of blaming the server. */
  readonly problem?: string;
}

export type PingOutcome =
  | { readonly kind: 'pong'; readonly stats: ServiceStats; readonly latencyMs: number }
  | { readonly kind: 'timeout'; readonly afterMs: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The supervisor's end of the IPC channel to the agent, as the checkers see it. */
export interface AgentView {
  /** True once the agent has said anything valid (ready or pong) to this child's supervisor. */
  readonly present: boolean;
  readonly ready: ReadyMessage | undefined;
  ping(timeoutMs: number): Promise<PingOutcome>;
}

/**
 * The child, as health sees it: a process and the ways to reach it. Health never sees the
 * controller; the supervisor builds one target per spawned child.
 */
export interface HealthTarget {
  readonly pid: number;
  /** Counts spawns; results for an older generation are discarded. */
  readonly generation: number;
  /** When the child was spawned (clock time). */
  readonly startedAt: number;
  /** Undefined while no port is known (no --port, no probeUrl, no mpm:ready yet). */
  readonly address: ProbeAddress | undefined;
  /** Undefined when the child has no IPC channel. */
  readonly agent: AgentView | undefined;
}
