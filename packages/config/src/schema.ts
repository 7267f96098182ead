import { isIPv6 } from 'node:net';
import { z } from 'zod';
import { customCheckSchema } from './custom-checks-schema.js';
import { HOOK_EVENTS, hookEntrySchema, MAX_HOOKS } from './hooks-schema.js';
import {
  argv,
  boolean,
  choice,
  duration,
  integer,
  leafRegistry,
  nullableChoice,
  nullableInteger,
  nullablePort,
  number,
  path,
  port,
  records,
  secret,
  stringMap,
  text,
  url,
  type Applies,
} from './leaf.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];

/** Signals a child can be asked to stop or clear its connections with. */
export const CHILD_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;

/** `name` becomes a file name (the state file) and a metric label. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A warning and a critical level for one health metric; warning ≤ critical. */
function threshold(metric: string, unit: string, levels: { warning: number; critical: number; max: number; kind?: 'duration' | 'integer' | 'number' }) {
  const make = levels.kind === 'duration' ? duration : levels.kind === 'integer' ? integer : number;
  return z.object({
    warning: make({ default: levels.warning, min: 1, max: levels.max, description: `${metric} (${unit}) at which the check reports warning` }),
    critical: make({ default: levels.critical, min: 1, max: levels.max, description: `${metric} (${unit}) at which the check reports critical` }),
  });
}

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?\.?$/;

/** Host names or IP addresses without a port (an IPv6 address with or without brackets). */
function hostNames(options: { description: string; applies: Applies }) {
  const entry = z.string().refine((value) => HOST_NAME.test(value) || isIPv6(value.replace(/^\[(.*)\]$/, '$1')), { message: 'not a host name or address' });
  const schema = z.array(entry).max(32);
  leafRegistry.add(schema, {
    kind: 'list',
    default: [],
    nullable: false,
    secret: false,
    expects: 'a list of at most 32 host names or addresses without a port, like ["status.example.com"]',
    ...options,
  });
  return schema;
}

/**
 * Every config key of docs/design.md §5, with its type, range, default and description: the
 * one source for the TypeScript type, validation, `config/default.json`,
 * `config/schema.json`, the `MPM_*` variables and the `run` flags.
 *
 * All keys are required here: layering fills each one (defaults first) before this
 * schema sees the result.
 */
export const configSchema = z.object({
  name: text({
    default: 'socketio-server',
    pattern: NAME_PATTERN,
    expects: 'a name of letters, digits, ".", "_" or "-" (at most 64)',
    description: 'Name of the supervised service, used in logs and the state file; taken from the command when not set',
    flag: '--name',
    applies: 'supervisor_restart',
  }),
  command: argv({ default: null, description: 'The command to run and its arguments; a command after -- on the command line wins', applies: 'next_restart' }),
  cwd: path({ default: null, description: "The child's working directory (default: the supervisor's)", flag: '--cwd', applies: 'next_restart' }),
  env: stringMap({ default: {}, description: "Variables added to the child's environment", applies: 'next_restart' }),
  child: z.object({
    port: nullablePort({ default: null, description: "The child's Socket.IO port: passed to it as PORT and probed", flag: '--port', applies: 'next_restart' }),
    stopSignal: choice({ choices: CHILD_SIGNALS, default: 'SIGTERM', description: 'The signal that asks the child to stop' }),
    killTimeoutMs: duration({ default: 5 * SECOND, min: 100, max: HOUR, description: 'How long a stopping child gets before SIGKILL', flag: '--kill-timeout' }),
    restartDelayMs: duration({
      default: 100,
      min: 0,
      max: 10 * MINUTE,
      description: 'Delay before a restart after a quick crash; the first restart after a good run is immediate; doubles with each further quick crash',
    }),
    maxRestartDelayMs: duration({ default: 30 * SECOND, min: 100, max: HOUR, description: 'The longest delay between restarts' }),
    minUptimeMs: duration({ default: 10 * SECOND, min: 0, max: HOUR, description: 'A child up this long resets the restart delay; a quicker crash counts towards the breaker' }),
    maxMemoryMb: nullableInteger({
      default: null,
      min: 1,
      max: 1_048_576,
      description:
        "A hard limit on the child's resident memory (MiB): over it the child is restarted gracefully at once (its memory is read every 250 ms), without waiting for a check round or failureThreshold (null: no limit)",
      flag: '--max-memory',
    }),
    startupTimeoutMs: duration({ default: 30 * SECOND, min: SECOND, max: 10 * MINUTE, description: 'How long a new child may take to answer its first check' }),
    clearConnectionsSignal: nullableChoice({
      choices: CHILD_SIGNALS,
      default: null,
      description: 'Signal that asks a child without the agent to drop its clients (null: skip that step)',
    }),
  }),
  health: z.object({
    checkIntervalMs: duration({ default: 5 * SECOND, min: 100, max: HOUR, description: 'How often every health check runs', flag: '--check-interval' }),
    probeTimeoutMs: duration({ default: 2 * SECOND, min: 50, max: MINUTE, description: 'How long one probe (TCP, Socket.IO, IPC) may take; never longer than checkIntervalMs' }),
    failureThreshold: integer({ default: 3, min: 1, max: 100, description: 'Consecutive breaches before a check is critical' }),
    historySize: integer({ default: 100, min: 1, max: 100_000, description: 'Check results kept per metric' }),
    probeUrl: url({
      default: null,
      description: "Socket.IO URL to probe (default: http://127.0.0.1:<child.port>); its path names a namespace, e.g. http://127.0.0.1:3000/admin (the engine's path is health.probePath)",
      flag: '--probe-url',
    }),
    probePath: text({
      default: '/socket.io/',
      pattern: /^\/[\x21-\x7e]{0,199}$/,
      expects: 'a path that starts with "/", like "/socket.io/" (visible ASCII, at most 200 characters)',
      description: "The Socket.IO server's path (its `path` option), where the probe's handshake goes",
      flag: '--probe-path',
    }),
    probeCaFile: path({ default: null, description: 'PEM file of the certificate authorities an https:// probe trusts besides the system ones (a self-signed certificate is its own)' }),
    probeInsecure: boolean({
      default: false,
      description: "Probe an https:// server without checking its certificate (the probe's traffic stays on this machine)",
      flag: '--probe-insecure',
    }),
    checks: z.object({
      tcp: z.object({ enabled: boolean({ default: true, description: "Run the TCP check (a connect to the child's port)" }) }),
      socketio: z.object({
        enabled: boolean({
          default: true,
          description: 'Run the Socket.IO check (a real client handshake); false for a child that is not a Socket.IO server',
          flag: '--no-socketio-check',
          flagHelp: 'Do not run the Socket.IO check (a child that is not a Socket.IO server)',
        }),
      }),
    }),
    custom: records(customCheckSchema, {
      default: [],
      max: 32,
      unique: 'name',
      pathFields: ['module', 'ca'],
      expects: 'a list of at most 32 checks like {"name": "db", "type": "tcp", "port": 5432}, each of type http, exec, socketio, tcp or module',
      description:
        'User-defined checks, run every round beside the built-in ones: http (GET, expected status and body), exec (a command, exit 0 healthy, a number on its last line as the value), socketio (an acked event), tcp (a connect) or module (a JavaScript HealthChecker); each with its own failureThreshold and the highest recovery action it may lead to (maxAction, default log_warning). See docs/checks.md',
    }),
    thresholds: z.object({
      cpuPercent: threshold('CPU use', 'percent of one core', { warning: 80, critical: 95, max: 10_000 }),
      memoryMb: threshold('Resident memory', 'MiB', { warning: 400, critical: 500, max: 1_048_576 }),
      openFds: threshold('Open file descriptors', 'count', { warning: 800, critical: 1000, max: 1_048_576, kind: 'integer' }),
      threads: threshold('Threads', 'count', { warning: 64, critical: 128, max: 100_000, kind: 'integer' }),
      clients: threshold('Connected Socket.IO clients', 'count', { warning: 800, critical: 1000, max: 10_000_000, kind: 'integer' }),
      errorsPerMinute: threshold('Errors', 'per minute', { warning: 10, critical: 60, max: 1_000_000 }),
      eventLoopLagMs: threshold('Event loop lag', 'ms', { warning: 200, critical: SECOND, max: 10 * MINUTE, kind: 'duration' }),
      probeLatencyMs: threshold('Probe latency', 'ms', { warning: 500, critical: 2 * SECOND, max: 10 * MINUTE, kind: 'duration' }),
    }),
  }),
  recovery: z.object({
    enabled: boolean({
      default: true,
      description: 'Recover automatically; false only watches and reports (a child that exits is still respawned)',
      flag: '--no-recovery',
      flagHelp: 'Only watch and report; do nothing to a running child',
    }),
    failureWindowMs: duration({ default: 5 * MINUTE, min: SECOND, max: DAY, description: 'Window in which failures count towards escalation' }),
    minActionIntervalMs: duration({ default: 10 * SECOND, min: 0, max: HOUR, description: 'Least time between two recovery decisions (a crash waits its restart delay instead)' }),
    verifyTimeoutMs: duration({ default: 30 * SECOND, min: SECOND, max: 10 * MINUTE, description: 'How long an action has to make the child healthy' }),
    circuitBreaker: z.object({
      failureThreshold: integer({ default: 5, min: 1, max: 100, description: 'Failures within failureWindowMs (actions that did not work, crashes within child.minUptimeMs) that open the breaker' }),
      timeoutMs: duration({ default: 5 * MINUTE, min: SECOND, max: DAY, description: 'How long the breaker stays open before it tries again; doubles per open in a row, up to 8x' }),
      successThreshold: integer({ default: 3, min: 1, max: 100, description: 'Healthy checks in half-open that close it again' }),
      maxOpenCycles: integer({ default: 3, min: 1, max: 100, description: 'Open cycles in a row before the supervisor gives up (exit 75)' }),
    }),
    forensics: z.object({
      enabled: boolean({
        default: true,
        description:
          "Before killing a hung child, take a hang report: a Node child's JavaScript stack through its inspector (opened by SIGUSR1 on a loopback port for that moment; child NODE_OPTIONS get --inspect-port=127.0.0.1:0), else what /proc says (state, wchan, syscall)",
      }),
      timeoutMs: duration({ default: SECOND, min: 100, max: 10 * SECOND, description: 'Most time a hang report may take: the kill never waits longer' }),
    }),
  }),
  hooks: records(hookEntrySchema, {
    default: [],
    max: MAX_HOOKS,
    unique: 'name',
    // A webhook URL's path is often its only credential (Slack's is): shown by its origin alone.
    secretFields: ['url', 'secret', 'headers'],
    expects: `a list of at most ${MAX_HOOKS} hooks like [{"name": "ops", "on": ["child_exited"], "url": "https://hooks.example.com/…"}]`,
    description: `Commands to run or webhooks to POST to on events (${HOOK_EVENTS.join(', ')}, or "*"): each {name, on, command | url, timeoutMs, and for a webhook secret, retries, headers}; see docs/hooks.md`,
  }),
  http: z.object({
    enabled: boolean({ default: true, description: 'Serve /health, /diagnostics and /metrics', applies: 'supervisor_restart' }),
    host: text({ default: '127.0.0.1', description: 'Address the status server binds', flag: '--http-host', applies: 'supervisor_restart' }),
    port: port({ default: 8766, description: 'Port of the status server (0: any free port)', flag: '--http-port', applies: 'supervisor_restart' }),
    token: secret({
      default: null,
      // HTTP carries header values as latin1: a token outside visible ASCII could never match.
      pattern: /^[\x21-\x7e]+$/,
      expects: 'visible ASCII characters without spaces, or null',
      description: 'Bearer token every status request must carry (MPM_HTTP_TOKEN)',
      applies: 'supervisor_restart',
    }),
    insecure: boolean({
      default: false,
      description: 'Allow a non-loopback address without a token',
      flag: '--http-insecure',
      applies: 'supervisor_restart',
    }),
    allowedHosts: hostNames({
      description:
        "Host names the status server answers to without a token besides its own (localhost, loopback addresses, the address it listens on and, on 0.0.0.0 or ::, this machine's addresses and host name), e.g. a reverse proxy's; others get 421, against DNS rebinding",
      applies: 'supervisor_restart',
    }),
  }),
  stateDir: path({
    default: null,
    description: 'Folder of the state file that tells `status` and `logs` where this supervisor is (default: $XDG_RUNTIME_DIR/mpm-supervise, else mpm-supervise-<uid> in the OS temp folder)',
    flag: '--state-dir',
    applies: 'supervisor_restart',
  }),
  log: z.object({
    level: choice({ choices: LOG_LEVELS, default: 'info', description: 'Least severe level written', flag: '--log-level' }),
    format: choice({ choices: LOG_FORMATS, default: 'auto', description: 'json lines, or pretty lines for a person (auto: pretty on a terminal)', flag: '--log-format' }),
    file: path({ default: null, description: 'Also write JSON lines to this size-rotated file', flag: '--log-file' }),
    maxSizeMb: integer({ default: 10, min: 1, max: 10_240, description: 'Size at which the log file is rotated (MiB)' }),
    maxFiles: integer({ default: 5, min: 1, max: 100, description: 'Rotated log files kept' }),
  }),
});

/** The effective configuration: every key present and valid. */
export type Config = z.output<typeof configSchema>;
