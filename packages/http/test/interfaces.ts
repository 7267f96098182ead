import { networkInterfaces } from 'node:os';

/** An IPv4 address of this machine that is not loopback: a peer, or a Host, that is not 127.0.0.1. */
export function nonLoopbackIPv4(): string {
  const address = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .find((entry) => entry.family === 'IPv4' && !entry.internal)?.address;
  if (address === undefined) throw new Error('this test needs a network interface with an IPv4 address besides loopback');
  return address;
}
