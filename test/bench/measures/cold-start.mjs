// Cold start: the demo server alone, from spawn to its first acked Socket.IO ping. No
// supervisor can restart a server faster than this, so it is the floor for every restart.
import { spawn } from 'node:child_process';
import { freePort, firstAnsweredPing } from '../lib/net.mjs';
import { paths } from '../lib/paths.mjs';

export const id = 'cold-start';
export const title = 'Cold start';

const TIMEOUT_MS = 30_000;

/** One spawn → first acked ping, in ms; the server is killed and reaped before it returns. */
async function once(ctx) {
  const port = await freePort();
  const start = performance.now();
  const server = spawn(process.execPath, [paths.demo], {
    env: { ...ctx.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  const closed = new Promise((resolve) => server.once('close', resolve));
  try {
    const answer = await firstAnsweredPing(port, { start, timeoutMs: TIMEOUT_MS });
    if (answer === undefined) throw new Error(`the demo server did not answer a ping within ${TIMEOUT_MS / 1000} s`);
    return answer.ms;
  } finally {
    server.kill('SIGKILL');
    await closed;
  }
}

export async function run(ctx) {
  const runs = ctx.quick ? 2 : 10;
  const values = [];
  for (let i = 0; i < runs; i += 1) values.push(await once(ctx));
  return {
    figures: [{ subject: 'demo server alone', label: 'spawn → first acked ping', unit: 'ms', values }],
    ratios: [],
    targets: [],
    notes: ['`node apps/demo-server/dist/main.js` started directly, then pinged every few ms over a fresh Socket.IO connection (websocket) until one ping is acked: the floor for any restart below.'],
  };
}
