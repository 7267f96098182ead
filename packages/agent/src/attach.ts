import { parseSupervisorMessage, type AckMessage, type PongMessage, type ReadyMessage, type ServiceStats, type SupervisorMessage } from '@mpm/protocol';
import type { Server } from 'socket.io';
import { processChannel, type IpcChannel } from './channel.js';
import { clearConnections } from './clear-connections.js';
import { ServiceCounters } from './counters.js';
import { startLagMonitor, type LagMonitor } from './event-loop-lag.js';
import { watchListening, type ListenAddress, type ListeningWatch } from './listening.js';
import { resolveAgentOptions, type AgentOptions, type ResolvedAgentOptions } from './options.js';
import { GracefulShutdown } from './shutdown.js';
import { watchSockets, type SocketWatch } from './watch-sockets.js';

export interface AgentHandle {
  /** True while the agent talks to a supervisor: it had a channel and is not detached. */
  readonly active: boolean;
  /** The stats a pong would carry now (without starting a new event-loop window). */
  stats(): ServiceStats;
  /** Counts one of the application's own errors in errorsTotal. */
  recordError(error?: unknown): void;
  /** Removes every listener and timer the agent added; idempotent. */
  detach(): void;
}

/**
 * Attaches the mpm-supervise agent to a Socket.IO server (docs/design.md §7). Without an IPC
 * channel it returns an inactive handle and touches nothing. Throws AgentOptionError for
 * a bad option.
 */
export function attachAgent(io: Server, options: AgentOptions = {}): AgentHandle {
  const resolved = resolveAgentOptions(options, { close: () => io.close(), channel: processChannel });
  if (resolved.channel === undefined) return INACTIVE;
  return new Agent(io, resolved.channel, resolved);
}

const INACTIVE: AgentHandle = Object.freeze({
  active: false,
  stats: (): ServiceStats => ({
    clients: 0,
    eventsTotal: 0,
    errorsTotal: 0,
    eventLoopLagMs: 0,
    heapUsedBytes: process.memoryUsage().heapUsed,
    uptimeSeconds: process.uptime(),
    lastEventAt: null,
  }),
  recordError: (): void => {},
  detach: (): void => {},
});

class Agent implements AgentHandle {
  readonly #io: Server;
  readonly #channel: IpcChannel;
  readonly #options: ResolvedAgentOptions;
  readonly #counters = new ServiceCounters();
  readonly #sockets: SocketWatch;
  readonly #lag: LagMonitor;
  readonly #listening: ListeningWatch;
  readonly #shutdown: GracefulShutdown;
  // Each malformed message type is worth one log line, not one per message.
  readonly #reportedInvalid = new Set<string>();
  #orphanCheck: NodeJS.Immediate | undefined;
  #attached = true;

  constructor(io: Server, channel: IpcChannel, options: ResolvedAgentOptions) {
    this.#io = io;
    this.#channel = channel;
    this.#options = options;
    this.#shutdown = new GracefulShutdown(options);
    this.#sockets = watchSockets(io, this.#counters);
    this.#lag = startLagMonitor(options.lagResolutionMs);
    io.on('connection', this.#onConnection);
    channel.on('message', this.#onMessage);
    channel.on('disconnect', this.#onDisconnect);
    channel.unref?.();
    // Last, as it may send at once.
    this.#listening = watchListening(io, this.#onListening);
    if (!channel.connected) {
      // The supervisor went away before we listened: 'disconnect' has fired already.
      // Next turn, so that the caller gets its handle before the app starts closing.
      this.#orphanCheck = setImmediate(() => {
        this.#orphanCheck = undefined;
        this.#onDisconnect();
      });
    }
  }

  get active(): boolean {
    return this.#attached;
  }

  stats(): ServiceStats {
    return this.#stats(this.#lag.peekMs());
  }

  recordError(): void {
    if (this.#attached) this.#counters.recordError();
  }

  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#channel.off('message', this.#onMessage);
    this.#channel.off('disconnect', this.#onDisconnect);
    this.#io.off('connection', this.#onConnection);
    if (this.#orphanCheck !== undefined) clearImmediate(this.#orphanCheck);
    this.#listening.stop();
    this.#sockets.stop();
    this.#lag.stop();
    this.#shutdown.cancel();
  }

  #stats(eventLoopLagMs: number): ServiceStats {
    return {
      clients: this.#sockets.clients(),
      eventsTotal: this.#counters.eventsTotal,
      errorsTotal: this.#counters.errorsTotal,
      eventLoopLagMs,
      heapUsedBytes: process.memoryUsage().heapUsed,
      uptimeSeconds: process.uptime(),
      lastEventAt: this.#counters.lastEventAt,
    };
  }

  // A connection proves the server listens and has an engine, even if the agent missed how.
  readonly #onConnection = (): void => {
    this.#listening.check();
    this.#sockets.refresh();
  };

  readonly #onListening = (address: ListenAddress): void => {
    const ready: ReadyMessage = { type: 'mpm:ready', port: address.port, address: address.address };
    this.#channel.send(ready);
  };

  readonly #onMessage = (value: unknown): void => {
    // A throw here would surface as the application's uncaught exception: never let one out.
    try {
      const parsed = parseSupervisorMessage(value);
      if (parsed.kind === 'foreign') return;
      if (parsed.kind === 'invalid') {
        const key = `${parsed.type}: ${parsed.reason}`;
        if (!this.#reportedInvalid.has(key)) {
          this.#reportedInvalid.add(key);
          this.#options.log(`mpm agent: ignoring an invalid ${parsed.type} message (${parsed.reason})`);
        }
        return;
      }
      this.#listening.check();
      this.#sockets.refresh();
      this.#handle(parsed.message);
    } catch (error) {
      this.#options.log(`mpm agent: failed to handle a message: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  #handle(message: SupervisorMessage): void {
    switch (message.type) {
      case 'mpm:ping': {
        const pong: PongMessage = { type: 'mpm:pong', id: message.id, stats: this.#stats(this.#lag.takeMs()) };
        this.#channel.send(pong);
        return;
      }
      case 'mpm:clear-connections': {
        const disconnected = clearConnections(this.#io, this.#sockets.isProbeConnection);
        this.#options.log(`mpm agent: cleared connections at the supervisor's request (${disconnected} clients)`);
        const ack: AckMessage = { type: 'mpm:ack', id: message.id, disconnected };
        this.#channel.send(ack);
        return;
      }
      case 'mpm:shutdown':
        this.#shutdown.start('shutdown-requested', message.graceMs);
        return;
    }
  }

  readonly #onDisconnect = (): void => {
    this.#shutdown.start('ipc-closed', this.#options.graceMs);
  };
}
