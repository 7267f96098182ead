import { invalidValue } from './errors.js';
import type { Environment } from './faults.js';
import { port as portReader } from './values.js';

export interface ListenOptions {
  readonly port: number;
  readonly host: string;
}

export const DEFAULT_LISTEN: ListenOptions = Object.freeze({ port: 3000, host: '127.0.0.1' });

/** Reads PORT and HOST; empty counts as unset. Throws a DemoConfigError for a bad PORT. */
export function parseListenOptions(env: Environment): ListenOptions {
  const rawPort = env['PORT']?.trim() ?? '';
  const rawHost = env['HOST']?.trim() ?? '';
  let port = DEFAULT_LISTEN.port;
  if (rawPort !== '') {
    const parsed = portReader.read(rawPort);
    if (parsed === undefined) throw invalidValue('PORT', rawPort, portReader.expected);
    port = parsed;
  }
  return Object.freeze({ port, host: rawHost === '' ? DEFAULT_LISTEN.host : rawHost });
}
