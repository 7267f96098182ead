import { connect } from 'node:net';
import type { CheckContext, HealthChecker } from '../checker.js';
import { failed, rated, unknown, type HealthMetric } from '../metric.js';
import type { HealthTarget, ProbeAddress } from '../target.js';

export type ConnectOutcome = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/** One TCP connect to host:port, closed as soon as it is made. Never rejects. */
export function tcpConnect(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<ConnectOutcome> {
  if (signal.aborted) return Promise.resolve({ ok: false, reason: 'abandoned' });
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const done = (outcome: ConnectOutcome): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => done({ ok: false, reason: 'abandoned' });
    const timer = setTimeout(() => done({ ok: false, reason: `no connection within ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done({ ok: true, ms: performance.now() - started }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      done({ ok: false, reason: error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message) });
    });
  });
}

function hostPort(address: ProbeAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Is the child's port accepting connections? A TCP connect, with its latency. */
export class NetworkChecker implements HealthChecker {
  readonly name = 'network';
  readonly probe = true;
  readonly needsAddress = true;
  readonly metrics = ['tcpLatencyMs'] as const;

  async check(target: HealthTarget, context: CheckContext): Promise<HealthMetric[]> {
    const address = target.address;
    if (address === undefined) {
      return [unknown('tcpLatencyMs', 'ms', 'no port to probe yet (set --port or health.probeUrl, or load the agent)', context.now())];
    }
    let where = hostPort(address);
    let outcome = await tcpConnect(address.host, address.port, context.timeoutMs, context.signal);
    const fallback = address.fallback;
    if (!outcome.ok && outcome.reason === 'connection refused' && fallback !== undefined) {
      const other = await tcpConnect(fallback.host, fallback.port, context.timeoutMs, context.signal);
      if (other.ok) where = `${hostPort(fallback)} (nothing listens on ${address.host})`;
      else where = `${where} or ${hostPort(fallback)}`;
      outcome = other;
    }
    const at = context.now();
    if (!outcome.ok) return [failed('tcpLatencyMs', 'ms', `port ${where} is not accepting connections: ${outcome.reason}`, at)];
    const metric = rated('tcpLatencyMs', outcome.ms, 'ms', context.thresholds.probeLatencyMs, at);
    return [{ ...metric, message: `TCP connect to ${where}: ${metric.message}` }];
  }
}
