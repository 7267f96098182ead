/**
 * What a child's NODE_OPTIONS get while hang forensics are on (docs/design.md §12): the port its
 * inspector opens on when SIGUSR1 wakes it. Loopback only, and port 0, so that the kernel
 * picks a free one: the default 9229 may belong to anything, another child among them,
 * and the supervisor finds the port among the child's own sockets (inspector-port.ts).
 * Nothing is opened until the signal; the option only says where.
 */
export const INSPECT_PORT_OPTION = '--inspect-port=127.0.0.1:0';

/** The node options the child is spawned with, for ChildSpec.nodeOptions. */
export function forensicsNodeOptions(enabled: boolean): readonly string[] {
  return enabled ? Object.freeze([INSPECT_PORT_OPTION]) : Object.freeze([]);
}
