import { MESSAGE_PREFIX, type AgentMessage, type ServiceStats, type SupervisorMessage } from './messages.js';

/**
 * What a received value turned out to be. `foreign` is someone else's message (no `mpm:`
 * prefix) and is ignored quietly; `invalid` is ours but malformed, and worth one warning.
 */
export type Parsed<M> = { readonly kind: 'message'; readonly message: M } | { readonly kind: 'foreign' } | { readonly kind: 'invalid'; readonly type: string; readonly reason: string };

type Fields = Readonly<Record<string, unknown>>;
type Reader<M> = (fields: Fields) => M | string;

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isAmount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function typeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const type = (value as Fields).type;
  return typeof type === 'string' && type.startsWith(MESSAGE_PREFIX) ? type : undefined;
}

function parseWith<M>(readers: Readonly<Record<string, Reader<M>>>, value: unknown): Parsed<M> {
  const type = typeOf(value);
  if (type === undefined) return { kind: 'foreign' };
  const reader = readers[type];
  if (reader === undefined) return { kind: 'invalid', type, reason: 'unknown message type' };
  const result = reader(value as Fields);
  return typeof result === 'string' ? { kind: 'invalid', type, reason: result } : { kind: 'message', message: result };
}

function readStats(value: unknown): ServiceStats | string {
  if (typeof value !== 'object' || value === null) return 'stats: expected an object';
  const stats = value as Fields;
  for (const name of ['clients', 'eventsTotal', 'errorsTotal'] as const) {
    if (!isCount(stats[name])) return `stats.${name}: expected a whole number ≥ 0`;
  }
  for (const name of ['eventLoopLagMs', 'heapUsedBytes', 'uptimeSeconds'] as const) {
    if (!isAmount(stats[name])) return `stats.${name}: expected a number ≥ 0`;
  }
  const lastEventAt = stats.lastEventAt;
  if (lastEventAt !== null && !isAmount(lastEventAt)) return 'stats.lastEventAt: expected a time in ms or null';
  return {
    clients: stats.clients as number,
    eventsTotal: stats.eventsTotal as number,
    errorsTotal: stats.errorsTotal as number,
    eventLoopLagMs: stats.eventLoopLagMs as number,
    heapUsedBytes: stats.heapUsedBytes as number,
    uptimeSeconds: stats.uptimeSeconds as number,
    lastEventAt,
  };
}

const AGENT_READERS: Readonly<Record<string, Reader<AgentMessage>>> = {
  'mpm:ready': ({ port, address }) => {
    if (port !== null && !(isCount(port) && port <= 65_535)) return 'port: expected a port number or null';
    if (address !== null && typeof address !== 'string') return 'address: expected a string or null';
    return { type: 'mpm:ready', port, address };
  },
  'mpm:pong': ({ id, stats }) => {
    if (!isCount(id)) return 'id: expected a whole number';
    const read = readStats(stats);
    return typeof read === 'string' ? read : { type: 'mpm:pong', id, stats: read };
  },
  'mpm:ack': ({ id, disconnected }) => {
    if (!isCount(id)) return 'id: expected a whole number';
    if (!isCount(disconnected)) return 'disconnected: expected a whole number ≥ 0';
    return { type: 'mpm:ack', id, disconnected };
  },
};

const SUPERVISOR_READERS: Readonly<Record<string, Reader<SupervisorMessage>>> = {
  'mpm:ping': ({ id }) => (isCount(id) ? { type: 'mpm:ping', id } : 'id: expected a whole number'),
  'mpm:clear-connections': ({ id }) => (isCount(id) ? { type: 'mpm:clear-connections', id } : 'id: expected a whole number'),
  'mpm:shutdown': ({ id, graceMs }) => {
    if (!isCount(id)) return 'id: expected a whole number';
    if (!isAmount(graceMs)) return 'graceMs: expected a number of milliseconds ≥ 0';
    return { type: 'mpm:shutdown', id, graceMs };
  },
};

/** Reads a message the child sent (supervisor side). Never throws. */
export function parseAgentMessage(value: unknown): Parsed<AgentMessage> {
  return parseWith(AGENT_READERS, value);
}

/** Reads a message the supervisor sent (agent side). Never throws. */
export function parseSupervisorMessage(value: unknown): Parsed<SupervisorMessage> {
  return parseWith(SUPERVISOR_READERS, value);
}
