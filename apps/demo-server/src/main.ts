#!/usr/bin/env node
// The executable: reads the switches, arms the faults, listens, and owns every exit.
import type { AgentOptions } from '@mpm/agent';
import { startBusy } from './busy.js';
import { lastCountLine, startCounting } from './count-lines.js';
import { DemoConfigError } from './errors.js';
import type { FaultActions } from './fault-events.js';
import { parseFaults, type Faults } from './faults.js';
import { spawnGrandchild } from './grandchild.js';
import { leakMemory, startLeaks } from './leaks.js';
import { parseListenOptions, type ListenOptions } from './listen-options.js';
import { printLines } from './print-lines.js';
import { startDemoServer } from './server.js';
import { handleShutdownSignals } from './shutdown.js';
import { armTimedFaults, blockOnceSaid, crash } from './timed-faults.js';

// Under the ~1 s a supervisor is promised, with room for the exit itself.
const FORCE_EXIT_MS = 800;

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const warn = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function readConfig(): { faults: Faults; listen: ListenOptions } {
  try {
    return { faults: parseFaults(process.argv.slice(2), process.env), listen: parseListenOptions(process.env) };
  } catch (error) {
    if (!(error instanceof DemoConfigError)) throw error;
    warn(`demo-server: ${error.message}`);
    process.exit(2);
  }
}

function startGrandchild(faults: Faults): void {
  if (faults.spawnGrandchild === 'off') return;
  const child = spawnGrandchild(faults.spawnGrandchild);
  child.on('error', (error) => warn(`demo-server: cannot spawn grandchild: ${error.message}`));
  if (child.pid !== undefined) log(`demo-server spawned grandchild pid=${child.pid}`);
}

/** What `demo:fault` events do, when the switch allows them: the real thing. */
const FAULT_ACTIONS: FaultActions = {
  crash: () => crash('crash event'),
  block: () => blockOnceSaid(process.stdout),
  leak: (mbPerSec) => {
    log(`demo-server leaking ${mbPerSec} MiB/s (fault event)`);
    leakMemory(mbPerSec);
  },
};

function startCounter(faults: Faults): void {
  if (faults.countEveryMs === undefined) return;
  const counter = startCounting(faults.countEveryMs, log);
  // Every exit that still runs JavaScript (a crash, a signal, a shutdown) says how far it
  // counted, so a reader knows which lines to expect; only a SIGKILL leaves that open.
  process.on('exit', () => log(lastCountLine(counter.last())));
}

async function openPort(listen: ListenOptions, faults: Faults, agent: AgentOptions): Promise<() => Promise<void>> {
  if (faults.noListen) {
    // Nothing else holds the loop open in this mode, so hold it on purpose.
    const keepAlive = setInterval(() => {}, 1 << 30);
    log('demo-server not listening (switch)');
    return async () => clearInterval(keepAlive);
  }
  try {
    const faultActions = faults.faultEvents ? FAULT_ACTIONS : undefined;
    const server = await startDemoServer({ ...listen, tickMs: faults.tickMs, log, agent, faultActions });
    log(`demo-server listening on ${server.host}:${server.port} pid=${process.pid}`);
    log(server.agent?.active === true ? 'demo-server agent attached to the IPC channel' : 'demo-server agent inactive (no IPC channel)');
    return () => server.close();
  } catch (error) {
    warn(`demo-server: cannot listen on ${listen.host}:${listen.port}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const { faults, listen } = readConfig();
  if (faults.exitAtStart !== undefined) {
    log(`demo-server exiting at start with code ${faults.exitAtStart}`);
    // exitCode rather than exit(): nothing else is running, and a natural exit flushes stdout.
    process.exitCode = faults.exitAtStart;
    return;
  }

  // Signals first, so a SIGTERM during start-up is already handled (or ignored) as asked.
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(closers.map((close) => close()));
  };
  handleShutdownSignals({
    ignoreSigterm: faults.ignoreSigterm,
    close: closeAll,
    forceAfterMs: FORCE_EXIT_MS,
    log,
    warn,
    exit: (code) => process.exit(code),
  });
  closers.push(armTimedFaults(faults, process.stdout), startLeaks(faults, warn), startBusy(faults, log));
  startGrandchild(faults);
  startCounter(faults);
  // The agent (when started with an IPC channel) closes the same way on mpm:shutdown or
  // when the supervisor goes away; it exits through process.exit like the signal path.
  closers.push(await openPort(listen, faults, { close: closeAll, log }));
  if (faults.printLines > 0) await printLines(process.stdout, faults.printLines);
}

await main();
