import { isIP } from 'node:net';
import { z } from 'zod';
import { duration } from './leaf.js';

/** What a user-defined check looks at (`health.custom[].type`). */
export const CUSTOM_CHECK_TYPES = ['http', 'exec', 'socketio', 'tcp', 'module'] as const;
export type CustomCheckType = (typeof CUSTOM_CHECK_TYPES)[number];

/** The recovery rungs a check may climb to, mildest first (as @mpm/recovery names them). */
export const CHECK_ACTIONS = ['log_warning', 'clear_connections', 'restart_service', 'emergency_stop'] as const;

/**
 * Names a check may not take, compared without case: the built-in checkers and their
 * metrics (a check's metric is named after the check, and metric names are keys in the
 * breach counts, the recovery ceilings and `mpm_health_status{check}`), `overall` (that
 * label's verdict) and `exit` (a crash's metric). A test keeps this list in step with the
 * checkers in @mpm/health.
 */
export const RESERVED_CHECK_NAMES: readonly string[] = Object.freeze([
  'process',
  'network',
  'socketio',
  'service',
  'processState',
  'cpuPercent',
  'memoryMb',
  'openFds',
  'threads',
  'tcpLatencyMs',
  'socketioLatencyMs',
  'ipcLatencyMs',
  'clients',
  'eventsPerSecond',
  'errorsPerMinute',
  'errorsTotal',
  'eventLoopLagMs',
  'heapUsedMb',
  'secondsSinceLastEvent',
  'overall',
  'exit',
]);

const RESERVED = new Map(RESERVED_CHECK_NAMES.map((name) => [name.toLowerCase(), name]));

const CHECK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

const name = z
  .string({ error: 'expected a name of letters, digits, "-" and "_" that starts with a letter (at most 40)' })
  .regex(CHECK_NAME, { error: 'expected a name of letters, digits, "-" and "_" that starts with a letter (at most 40)' })
  .refine((value) => !RESERVED.has(value.toLowerCase()), {
    error: (issue) => `is taken by a built-in check or metric (${RESERVED.get(String(issue.input).toLowerCase()) ?? ''}); choose another name`,
  });

/** Latency limits: numbers of milliseconds or durations like "500ms"; higher is worse. */
const latencyThresholds = z
  .strictObject({
    warning: duration({ default: 500, min: 0, max: 10 * 60_000, description: 'Latency (ms) at which the check reports warning' }),
    critical: duration({ default: 2000, min: 0, max: 10 * 60_000, description: 'Latency (ms) at which the check reports critical' }),
  })
  .refine((pair) => pair.warning <= pair.critical, { error: 'expected warning at most critical (a latency is worse when higher)' });

/**
 * Limits for a number the check reports (exec, module). With warning above critical, lower
 * values are worse (free disk space, consumers of a queue).
 */
const numberThresholds = z.strictObject({
  warning: z.number({ error: 'expected a number' }).finite(),
  critical: z.number({ error: 'expected a number' }).finite(),
});

/** An unknown field is an error that lists the ones this type has. */
function strictCheck<T extends z.core.$ZodLooseShape>(type: CustomCheckType, shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} for a ${type} check (its fields: ${Object.keys(shape).join(', ')})`
        : undefined,
  });
}

/** What every check has besides its type's own fields. */
const common = {
  name,
  timeoutMs: duration({
    default: 2000,
    min: 50,
    max: 60_000,
    description: 'How long one run of the check may take (default: health.probeTimeoutMs; never longer than health.checkIntervalMs)',
  }).optional(),
  failureThreshold: z
    .int({ error: 'expected a whole number of checks from 1 to 100' })
    .min(1, { error: 'expected a whole number of checks from 1 to 100' })
    .max(100, { error: 'expected a whole number of checks from 1 to 100' })
    .optional(),
  maxAction: z.enum(CHECK_ACTIONS, { error: `expected one of ${CHECK_ACTIONS.join(', ')}` }).default('log_warning'),
};

const httpUrl = z.string({ error: 'expected an http:// or https:// URL' }).refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
  error: 'expected an http:// or https:// URL',
});

const socketIoUrl = z.string({ error: 'expected an http(s):// or ws(s):// URL' }).refine((value) => URL.canParse(value) && /^(https?|wss?):$/.test(new URL(value).protocol), {
  error: 'expected an http(s):// or ws(s):// URL',
});

const statusCode = z.int({ error: 'expected an HTTP status from 100 to 599' }).min(100, { error: 'expected an HTTP status from 100 to 599' }).max(599, {
  error: 'expected an HTTP status from 100 to 599',
});

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?\.?$/;

/** Events socket.io keeps for itself: a client cannot emit them. */
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

const http = strictCheck('http', {
  type: z.literal('http'),
  ...common,
  url: httpUrl,
  expectStatus: z.union([statusCode, z.array(statusCode).min(1).max(20)], { error: 'expected an HTTP status from 100 to 599, or a list of them' }).optional(),
  bodyContains: z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' }).max(1000, { error: 'expected at most 1000 characters' }).optional(),
  ca: z.string({ error: 'expected the path of a PEM file' }).min(1, { error: 'expected the path of a PEM file' }).optional(),
  insecure: z.boolean({ error: 'expected true or false' }).optional(),
  thresholds: latencyThresholds.optional(),
});

const exec = strictCheck('exec', {
  type: z.literal('exec'),
  ...common,
  command: z
    .array(z.string({ error: 'expected a string' }), { error: 'expected a list of strings like ["pg_isready", "-q"] (it is never given to a shell)' })
    .min(1, { error: 'expected a list of strings like ["pg_isready", "-q"] (it is never given to a shell)' })
    .max(64, { error: 'expected at most 64 arguments' })
    .refine((argv) => argv[0] !== undefined && argv[0].trim() !== '', { error: 'expected a program name first, got an empty one' }),
  unit: z
    .string({ error: 'expected a short unit like "ms", "jobs" or "percent"' })
    .regex(/^[A-Za-z%/][A-Za-z0-9%/._-]{0,15}$/, { error: 'expected a short unit like "ms", "jobs" or "percent"' })
    .optional(),
  thresholds: numberThresholds.optional(),
});

const socketio = strictCheck('socketio', {
  type: z.literal('socketio'),
  ...common,
  url: socketIoUrl.optional(),
  event: z
    .string({ error: 'expected an event name' })
    .min(1, { error: 'expected an event name' })
    .max(200, { error: 'expected at most 200 characters' })
    .refine((value) => !RESERVED_EVENTS.has(value), { error: 'is reserved by socket.io and cannot be emitted' }),
  data: z.unknown().optional(),
  expect: z.unknown().optional(),
  thresholds: latencyThresholds.optional(),
});

const tcp = strictCheck('tcp', {
  type: z.literal('tcp'),
  ...common,
  host: z
    .string({ error: 'expected a host name or address' })
    .refine((value) => HOST_NAME.test(value) || isIP(value.replace(/^\[(.*)\]$/, '$1')) !== 0, { error: 'expected a host name or address without a port' })
    .default('127.0.0.1'),
  port: z.int({ error: 'expected a port number from 1 to 65535' }).min(1, { error: 'expected a port number from 1 to 65535' }).max(65535, { error: 'expected a port number from 1 to 65535' }),
  thresholds: latencyThresholds.optional(),
});

const module = strictCheck('module', {
  type: z.literal('module'),
  ...common,
  module: z.string({ error: 'expected the path of a JavaScript module' }).min(1, { error: 'expected the path of a JavaScript module' }),
  options: z.record(z.string(), z.unknown(), { error: 'expected an object (it is passed to the module)' }).default({}),
  thresholds: numberThresholds.optional(),
});

/**
 * One user-defined check (`health.custom[]`), a strict object per type: an unknown field
 * is an error, as a typo in a check would otherwise turn it off without a word.
 */
export const customCheckSchema = z.discriminatedUnion('type', [http, exec, socketio, tcp, module], {
  error: (issue) => (issue.code === 'invalid_union' ? `expected a type of ${CUSTOM_CHECK_TYPES.join(', ')}` : undefined),
});

export type CustomCheck = z.output<typeof customCheckSchema>;
export type HttpCheck = Extract<CustomCheck, { type: 'http' }>;
export type ExecCheck = Extract<CustomCheck, { type: 'exec' }>;
export type SocketIoCheck = Extract<CustomCheck, { type: 'socketio' }>;
export type TcpCheck = Extract<CustomCheck, { type: 'tcp' }>;
export type ModuleCheck = Extract<CustomCheck, { type: 'module' }>;

/** "[2] (db)": an entry as messages name it. */
export function checkPlace(index: number, check: Pick<CustomCheck, 'name'>): string {
  return `health.custom[${index}] (${check.name})`;
}
