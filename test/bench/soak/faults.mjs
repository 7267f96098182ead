// The faults a soak injects, and what "recovered" means for each.
import { askFault as ask } from '../lib/fault.mjs';
import { storm } from './storm.mjs';

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

/** A runtime fault on request, struck ACT_AFTER_MS after the ack: that is when it counts from. */
async function askFault(port, request) {
  return { ...(await ask(port, request)), samePidRecovers: false };
}
