import type { IpcChannel } from './channel.js';

export interface AgentOptions {
  /** How long a shutdown after the IPC channel closes may take before the process exits anyway; default 5000. */
  readonly graceMs?: number;
  /** Closes the application gracefully; default `io.close()`. */
  readonly close?: () => Promise<void>;
  /** Ends the process once closed (or when the grace runs out); default `process.exit`. */
  readonly exit?: (code: number) => void;
  /**
   * The channel to the supervisor. Default (undefined): the process's own IPC channel, if it
   * has one. `null`: none, so the agent stays inactive (also what a test in a process that
   * has an IPC channel of its own passes).
   */
  readonly channel?: IpcChannel | null;
  /** Receives one line per notable thing (shutdown requested, IPC closed, forced exit); default drops them. */
  readonly log?: (line: string) => void;
  /** Resolution of the event-loop delay histogram in ms; default 20. */
  readonly lagResolutionMs?: number;
}

export interface ResolvedAgentOptions {
  readonly graceMs: number;
  readonly close: () => Promise<void>;
  readonly exit: (code: number) => void;
  /** undefined: no channel, the agent is inactive. */
  readonly channel: IpcChannel | undefined;
  readonly log: (line: string) => void;
  readonly lagResolutionMs: number;
}

export const AGENT_DEFAULTS = Object.freeze({ graceMs: 5000, lagResolutionMs: 20 });

// setTimeout treats anything above 2^31-1 as 1 ms, so a longer grace would end at once.
export const MAX_GRACE_MS = 2_147_483_647;

/** A bad option passed to attachAgent: names the option, what was expected and what came. */
export class AgentOptionError extends TypeError {
  override readonly name = 'AgentOptionError';
  readonly option: string;

  constructor(option: string, expected: string, received: unknown) {
    super(`attachAgent: option ${option} must be ${expected}, received ${describe(received)}`);
    this.option = option;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}

function check(option: string, value: unknown, valid: boolean, expected: string): void {
  if (!valid) throw new AgentOptionError(option, expected, value);
}

/**
 * Resolves the options once, defaults in one place. `defaultClose` and `defaultChannel` are
 * asked for only when the caller gave none (reading the process's channel is a side effect).
 */
export function resolveAgentOptions(options: AgentOptions, defaults: { readonly close: () => Promise<void>; readonly channel: () => IpcChannel | undefined }): ResolvedAgentOptions {
  const graceMs = options.graceMs ?? AGENT_DEFAULTS.graceMs;
  check('graceMs', graceMs, typeof graceMs === 'number' && graceMs >= 0 && graceMs <= MAX_GRACE_MS, `a number of milliseconds from 0 to ${MAX_GRACE_MS}`);
  const lagResolutionMs = options.lagResolutionMs ?? AGENT_DEFAULTS.lagResolutionMs;
  // The lag timer runs every lagResolutionMs: a whole number of milliseconds, at least 1.
  check('lagResolutionMs', lagResolutionMs, Number.isSafeInteger(lagResolutionMs) && lagResolutionMs >= 1, 'a whole number of milliseconds ≥ 1');
  for (const name of ['close', 'exit', 'log'] as const) {
    const value = options[name];
    check(name, value, value === undefined || typeof value === 'function', 'a function');
  }
  return Object.freeze({
    graceMs,
    lagResolutionMs,
    close: options.close ?? defaults.close,
    exit: options.exit ?? ((code: number) => process.exit(code)),
    channel: options.channel === undefined ? defaults.channel() : (options.channel ?? undefined),
    log: options.log ?? ((): void => {}),
  });
}
