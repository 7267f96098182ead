// The faults a soak injects, and what "recovered" means for each.
import { io } from 'socket.io-client';
import { ACT_AFTER_MS, FAULT_EVENT } from '../../../apps/demo-server/dist/index.js';
import { storm } from './storm.mjs';

const ASK_TIMEOUT_MS = 5_000;
const LEAK_MB_PER_SEC = 50;
const STORM_HOLD_MS = 4_000;
const STORM_CLIENTS = { min: 200, max: 500 };

/**
 * Each kind: how it is injected, and how long it usually takes from injection to the
 * next fault (used only to decide whether it still fits in the run, never as a result).
 * `inject` resolves with `at` (performance.now() when the fault struck), the pid it
 * struck, and `samePidRecovers`: a storm is over when the server answers again, whoever
 * it is; every other fault is over only when a new process answers.
 */
export const FAULT_KINDS = {
  kill: {
    what: 'SIGKILL to the child from outside',
    typicalMs: 3_000,
    inject: async ({ pid }) => signal(pid, 'SIGKILL'),
  },
  crash: {
    what: 'an uncaught exception in the child (demo:fault crash)',
    typicalMs: 3_000,
    inject: async ({ port }) => askFault(port, { kind: 'crash' }),
  },
  stop: {
    what: 'SIGSTOP to the child from outside',
    typicalMs: 10_000,
    inject: async ({ pid }) => signal(pid, 'SIGSTOP'),
  },
  block: {
    what: 'the event loop blocked for good (demo:fault block)',
    typicalMs: 15_000,
    inject: async ({ port }) => askFault(port, { kind: 'block' }),
  },
  leak: {
    what: `memory leaking at ${LEAK_MB_PER_SEC} MiB/s (demo:fault leak)`,
    // Without child.maxMemoryMb the graded ladder takes its time (log, clear, restart).
    typicalMs: 20_000,
    slowTypicalMs: 60_000,
    inject: async ({ port }) => askFault(port, { kind: 'leak', mbPerSec: LEAK_MB_PER_SEC }),
  },
  storm: {
    what: `${STORM_CLIENTS.min}–${STORM_CLIENTS.max} Socket.IO clients at once, pinging for ${STORM_HOLD_MS / 1000} s, then gone`,
    typicalMs: 12_000,
    inject: async ({ port, pid, random }) => {
      const clients = STORM_CLIENTS.min + Math.floor(random() * (STORM_CLIENTS.max - STORM_CLIENTS.min + 1));
      const seen = await storm(port, { clients, holdMs: STORM_HOLD_MS });
      const { endedAt, ...detail } = seen;
      // Recovery is timed from the moment the storm is over: during it the server was busy, not broken.
      return { at: endedAt, pid, samePidRecovers: true, detail };
    },
  },
};

function signal(pid, name) {
  const at = performance.now();
  process.kill(pid, name);
  return { at, pid, samePidRecovers: false };
}

/**
 * Asks the demo server for a runtime fault over a connection of its own. The server acks
 * first and strikes ACT_AFTER_MS later, so that is when the fault counts from.
 */
async function askFault(port, request) {
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: ASK_TIMEOUT_MS });
  try {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error) => reject(new Error(`cannot connect to ask for a ${request.kind} fault: ${error.message}`)));
    });
    const ack = await socket.timeout(ASK_TIMEOUT_MS).emitWithAck(FAULT_EVENT, request);
    if (!ack.accepted) throw new Error(`the demo server refused the ${request.kind} fault: ${ack.reason}`);
    return { at: performance.now() + ACT_AFTER_MS, pid: ack.pid, samePidRecovers: false };
  } finally {
    socket.disconnect();
  }
}
