import type { Socket } from 'socket.io';

/** The event a client emits, with an ack, to have the server fail at that moment. */
export const FAULT_EVENT = 'demo:fault';

export type FaultKind = 'crash' | 'block' | 'leak';

export type FaultRequest = { readonly kind: 'crash' } | { readonly kind: 'block' } | { readonly kind: 'leak'; readonly mbPerSec: number };

/** The ack: accepted ones carry the pid that is about to fail. */
export type FaultAck = { readonly accepted: true; readonly kind: FaultKind; readonly pid: number } | { readonly accepted: false; readonly reason: string };

/** What the process does for each kind: the executable crashes, blocks and leaks for real; tests pass fakes. */
export interface FaultActions {
  readonly crash: () => void;
  readonly block: () => void;
  readonly leak: (mbPerSec: number) => void;
}

export const DEFAULT_LEAK_MB_PER_SEC = 50;
const MAX_LEAK_MB_PER_SEC = 1024;

/**
 * How long after the ack the fault strikes. A crash or a blocked loop right away could
 * swallow the ack (an engine mid-write flushes it only on a later turn of the loop);
 * on loopback it leaves within a few milliseconds.
 */
export const ACT_AFTER_MS = 50;

/** The request in an event's payload, or why it is not one. */
export function parseFaultRequest(payload: unknown): FaultRequest | string {
  if (typeof payload !== 'object' || payload === null) return `expected {kind: 'crash' | 'block' | 'leak'}, received ${JSON.stringify(payload) ?? 'nothing'}`;
  const { kind, mbPerSec } = payload as { kind?: unknown; mbPerSec?: unknown };
  if (kind === 'crash' || kind === 'block') return { kind };
  if (kind !== 'leak') return `unknown fault kind ${JSON.stringify(kind) ?? 'undefined'}: expected 'crash', 'block' or 'leak'`;
  if (mbPerSec === undefined) return { kind, mbPerSec: DEFAULT_LEAK_MB_PER_SEC };
  if (typeof mbPerSec !== 'number' || !(mbPerSec > 0 && mbPerSec <= MAX_LEAK_MB_PER_SEC)) {
    return `invalid mbPerSec ${JSON.stringify(mbPerSec)}: expected a number above 0 and at most ${MAX_LEAK_MB_PER_SEC}`;
  }
  return { kind, mbPerSec };
}

/**
 * Answers `demo:fault` events. Without actions (the switch is off) every request is
 * refused in the ack, so that a demo server never obeys a stranger; a request without an
 * ack is ignored, because the caller could not learn that it was taken.
 */
export function answerFaultEvents(socket: Socket, actions: FaultActions | undefined, log: (line: string) => void): void {
  socket.on(FAULT_EVENT, (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack !== 'function') return;
    const reply = (answer: FaultAck): void => ack(answer);
    if (actions === undefined) {
      log(`demo-server refused a ${FAULT_EVENT} event: fault events are off`);
      reply({ accepted: false, reason: 'fault events are off (start the server with DEMO_FAULT_EVENTS=1)' });
      return;
    }
    const request = parseFaultRequest(args.length > 1 ? args[0] : undefined);
    if (typeof request === 'string') {
      log(`demo-server refused a ${FAULT_EVENT} event: ${request}`);
      reply({ accepted: false, reason: request });
      return;
    }
    log(`demo-server ${FAULT_EVENT} ${request.kind === 'leak' ? `leak ${request.mbPerSec} MiB/s` : request.kind} in ${ACT_AFTER_MS} ms`);
    reply({ accepted: true, kind: request.kind, pid: process.pid });
    setTimeout(() => act(actions, request), ACT_AFTER_MS);
  });
}

function act(actions: FaultActions, request: FaultRequest): void {
  switch (request.kind) {
    case 'crash':
      return actions.crash();
    case 'block':
      return actions.block();
    case 'leak':
      return actions.leak(request.mbPerSec);
  }
}
