import { hostname, networkInterfaces } from 'node:os';
import { isLoopbackHost } from './bind-policy.js';
import { canonicalHostName } from './host-header.js';

/** This machine's own names: what a kubelet probe or a Prometheus scrape sends as Host to a pod. */
export interface MachineNames {
  readonly hostname: string;
  readonly addresses: readonly string[];
}

export function machineNames(): MachineNames {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));
  return { hostname: hostname(), addresses };
}

export interface HostPolicyOptions {
  /** The address or name the server was asked to listen on. */
  readonly listenHost: string;
  /** The address it listens on. */
  readonly boundAddress: string;
  /** More names to answer to, e.g. a reverse proxy's; no port. */
  readonly allowedHosts?: readonly string[];
  /** Asked when a name is none of the above and the server listens on every address. */
  readonly machine?: () => MachineNames;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** `localhost`, any name under `.localhost` (RFC 6761), 127.0.0.0/8 and ::1. */
function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackHost(name);
}

/**
 * Which Host names the status server answers to without a token. A web page whose name
 * an attacker rebinds to this machine's address sends its own name as Host: refusing
 * names that are not this server's keeps such a page from reading it (DNS rebinding).
 */
export class HostPolicy {
  readonly #own: ReadonlySet<string>;
  readonly #wildcard: boolean;
  readonly #hasExtra: boolean;
  readonly #machine: () => MachineNames;
  readonly #bound: string;

  constructor({ listenHost, boundAddress, allowedHosts = [], machine = machineNames }: HostPolicyOptions) {
    this.#bound = canonicalHostName(boundAddress);
    this.#own = new Set([canonicalHostName(listenHost), this.#bound, ...allowedHosts.map(canonicalHostName)]);
    this.#wildcard = WILDCARDS.has(this.#bound);
    this.#hasExtra = allowedHosts.length > 0;
    this.#machine = machine;
  }

  /** `name` as canonicalHostName gives it. */
  allows(name: string): boolean {
    if (isLoopbackName(name) || this.#own.has(name)) return true;
    if (!this.#wildcard) return false;
    const machine = this.#machine();
    return name === canonicalHostName(machine.hostname) || machine.addresses.some((address) => canonicalHostName(address) === name);
  }

  /**
   * The names answered to, for the 421 message. A page that was refused can read that
   * message, so the host name and http.allowedHosts are named, never listed.
   */
  describe(): string {
    const bound = isLoopbackName(this.#bound) || this.#wildcard ? '' : `, ${this.#bound.includes(':') ? `[${this.#bound}]` : this.#bound}`;
    const machine = this.#wildcard ? ", this machine's addresses and host name" : '';
    const extra = this.#hasExtra ? ', the names in http.allowedHosts' : '';
    return `localhost, *.localhost, 127.0.0.1 (all of 127.0.0.0/8), [::1]${bound}${machine}${extra}, with any port`;
  }
}
