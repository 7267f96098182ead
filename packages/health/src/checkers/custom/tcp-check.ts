import type { HealthChecker } from '../../checker.js';
import { tcpConnect } from '../network-checker.js';
import { CustomChecker, type CheckSpec } from './custom-checker.js';

export interface TcpCheckOptions extends CheckSpec {
  readonly host: string;
  readonly port: number;
}

/** Does something accept TCP connections at host:port (a database, a cache)? Its value is the connect time. */
export function tcpCheck(options: TcpCheckOptions): HealthChecker {
  const where = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  return new CustomChecker(options, 'ms', async (_target, context) => {
    const outcome = await tcpConnect(options.host, options.port, context.timeoutMs, context.signal);
    if (outcome.ok) return { kind: 'measured', value: outcome.ms, detail: `TCP connect to ${where} in` };
    if (outcome.reason === 'abandoned') return { kind: 'unknown', message: 'the check was stopped' };
    return { kind: 'failed', message: `no TCP connection to ${where}: ${outcome.reason}` };
  });
}
