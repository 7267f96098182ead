import { createServer } from 'node:http';
import { attachAgent, type AgentHandle, type AgentOptions } from '@mpm/agent';
import { Server } from 'socket.io';
import { rejectFailEvents } from './fail-event.js';
import { answerFaultEvents, type FaultActions } from './fault-events.js';
import { answerPing, answerStatus } from './ping.js';

export interface DemoServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Host to bind; default 127.0.0.1. */
  readonly host?: string;
  /** How often to broadcast `tick` and log a tick line; default 10 s. */
  readonly tickMs?: number;
  /** Receives each log line (without newline); default drops them, for in-process use. */
  readonly log?: (line: string) => void;
  /**
   * Attaches the mpm-supervise agent once listening: `true` with this server's close and
   * log, or options of its own (which win over those). Default: no agent.
   */
  readonly agent?: boolean | AgentOptions;
  /** Obeys `demo:fault` events with these; without them every such event is refused. */
  readonly faultActions?: FaultActions;
}

export interface DemoServerStats {
  readonly clients: number;
  readonly events: number;
}

export interface DemoServer {
  readonly port: number;
  readonly host: string;
  /** The agent, when asked for (inactive without an IPC channel); undefined otherwise. */
  readonly agent: AgentHandle | undefined;
  stats(): DemoServerStats;
  /** Disconnects every client and closes the port; safe to call more than once. */
  close(): Promise<void>;
}

export interface TickPayload {
  readonly time: number;
  readonly pid: number;
}

interface ClientToServerEvents {
  ping: (...args: unknown[]) => void;
  status: (...args: unknown[]) => void;
  fail: (...args: unknown[]) => void;
  'demo:fault': (...args: unknown[]) => void;
}

interface ServerToClientEvents {
  tick: (payload: TickPayload) => void;
}

/** Starts a Socket.IO server and resolves once it listens; rejects if the port is unusable. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1';
  const tickMs = options.tickMs ?? 10_000;
  const log = options.log ?? ((): void => {});
  const httpServer = createServer();
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer);
  let events = 0;
  const stats = (): DemoServerStats => ({ clients: io.of('/').sockets.size, events });

  io.on('connection', (socket) => {
    socket.onAny(() => {
      events += 1;
    });
    socket.on('ping', (...args) => answerPing(args));
    socket.on('status', (...args) => answerStatus(args));
    rejectFailEvents(socket, log);
    answerFaultEvents(socket, options.faultActions, log);
  });

  try {
    await listen(httpServer, options.port ?? 0, host);
  } catch (error) {
    await io.close();
    throw error;
  }
  const address = httpServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  // Traffic so a supervisor's logs show the child alive; unref'd so that, once the server
  // is closed, this timer alone does not keep the process running.
  const ticker = setInterval(() => {
    io.emit('tick', { time: Date.now(), pid: process.pid });
    const { clients } = stats();
    log(`demo-server tick clients=${clients} events=${events}`);
  }, tickMs);
  ticker.unref();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    clearInterval(ticker);
    closing ??= io.close();
    return closing;
  };
  // Once listening, so the agent's mpm:ready goes out at once. The agent is not detached
  // by close(): closing is how the agent shuts the process down, and it still has to exit.
  const agent = options.agent === undefined || options.agent === false ? undefined : attachAgent(io, { close, log, ...(options.agent === true ? {} : options.agent) });
  return { port, host, agent, stats, close };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
