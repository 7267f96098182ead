/** Why the status server could not listen; the CLI maps each to advice and an exit code. */
export type ListenFailure = 'in_use' | 'permission' | 'not_available' | 'other';

export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly failure: ListenFailure;
  readonly host: string;
  readonly port: number;

  constructor(failure: ListenFailure, host: string, port: number, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.failure = failure;
    this.host = host;
    this.port = port;
  }
}

/** A non-loopback address without a token and without --http-insecure. */
export class UnsafeBindingError extends Error {
  override readonly name = 'UnsafeBindingError';
  readonly host: string;

  constructor(host: string, message: string) {
    super(message);
    this.host = host;
  }
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Turns the error of a failed listen into one line a user can act on. */
export function describeListenError(host: string, port: number, cause: unknown): ListenError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  const prefix = `the status server cannot listen on ${hostPort(host, port)}: `;
  const error = (failure: ListenFailure, detail: string): ListenError => new ListenError(failure, host, port, prefix + detail, { cause });
  switch (code) {
    case 'EADDRINUSE':
      return error('in_use', 'the port is in use (choose another with --http-port, or 0 for any free port)');
    case 'EACCES':
      return error('permission', 'permission denied (ports below 1024 need privileges; choose another with --http-port)');
    case 'EADDRNOTAVAIL':
      return error('not_available', 'the address is not on this machine (check --http-host)');
    case 'ENOTFOUND':
      return error('not_available', `the host name ${host} does not resolve (check --http-host)`);
    default: {
      const detail = cause instanceof Error ? cause.message : String(cause);
      return error('other', detail.split('\n')[0] ?? detail);
    }
  }
}
