// Runtime faults on request: the demo server started with DEMO_FAULT_EVENTS=1 obeys a
// Socket.IO event `demo:fault` (crash, block, leak), acked first and struck ACT_AFTER_MS
// later, so that a fault can start at a moment the harness picks.
import { io } from 'socket.io-client';
import { ACT_AFTER_MS, FAULT_EVENT } from '../../../apps/demo-server/dist/index.js';

const ASK_TIMEOUT_MS = 5_000;

/**
 * Asks the demo server on `port` for a fault over a connection of its own. Resolves with
 * `at` (performance.now() when the fault strikes: ACT_AFTER_MS after the ack) and the pid
 * it strikes; rejects when the server cannot be reached or refuses.
 */
export async function askFault(port, request) {
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: ASK_TIMEOUT_MS });
  try {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error) => reject(new Error(`cannot connect to ask for a ${request.kind} fault: ${error.message}`)));
    });
    const ack = await socket.timeout(ASK_TIMEOUT_MS).emitWithAck(FAULT_EVENT, request);
    if (!ack.accepted) throw new Error(`the demo server refused the ${request.kind} fault: ${ack.reason}`);
    return { at: performance.now() + ACT_AFTER_MS, pid: ack.pid };
  } finally {
    socket.disconnect();
  }
}
