// `pnpm screenshot`: the pictures of the dashboard in the README and docs/status-server.md, taken during a real recovery.
// A supervisor (the one-file build) watches the demo server with a few Socket.IO clients
// on it; the child is killed once (a restart on the timeline), then made to leak memory,
// and the dashboard is photographed in Debian's headless Chromium, on a laptop-sized and
// a phone-sized page, while recovery acts on the leak. Writes docs/dashboard.png and
// docs/dashboard-phone.png; everything it starts is stopped before it exits.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { io } from 'socket.io-client';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bundle = join(root, 'apps/supervisor/bundle/mpm-supervise.mjs');
const demo = join(root, 'apps/demo-server/dist/main.js');
const docs = join(root, 'docs');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const temp = mkdtempSync(join(tmpdir(), 'mpm-screenshot-'));
const cleanups = [];
const say = (line) => process.stdout.write(`screenshot: ${line}\n`);

/** Polls until `check` returns something other than undefined/false, or fails after timeoutMs. */
async function until(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

async function main() {
  const port = await freePort();
  const config = join(temp, 'config.json');
  // Low memory thresholds, so that a leak crosses both in a few seconds and the chart shows it.
  writeFileSync(
    config,
    JSON.stringify({
      health: { checkIntervalMs: 1000, thresholds: { memoryMb: { warning: 120, critical: 200 } } },
      log: { file: join(temp, 'supervisor.log') },
    }),
  );
  const env = { ...process.env, MPM_HTTP_PORT: '0', MPM_STATE_DIR: temp, DEMO_FAULT_EVENTS: '1' };
  const supervisor = spawn(process.execPath, [bundle, '--config', config, '--name', 'chat', '--port', String(port), '--', 'node', demo], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((done) => supervisor.once('close', done));
  cleanups.push(async () => {
    supervisor.kill('SIGTERM');
    await exited;
  });
  const records = [];
  let partial = '';
  supervisor.stdout.setEncoding('utf8').on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        records.push(JSON.parse(line));
      } catch {
        // Not a record; the supervisor logs JSON when not on a terminal.
      }
    }
  });
  const url = await until('the status server', () => records.find((record) => record.event === 'status_server_listening')?.url);
  const health = async () => (await fetch(`${url}/health`)).json();
  const runningPid = async (not) =>
    until('the child to be ready', async () => {
      const body = await health();
      return body.child.state === 'running' && body.status === 'pass' && body.child.pid !== not ? body.child.pid : undefined;
    });
  const firstPid = await runningPid();
  say(`supervisor on ${url}, demo server pid ${firstPid} on port ${port}`);

  const profile = join(temp, 'chromium');
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  cleanups.push(() => context.close());
  const laptop = context.pages()[0] ?? (await context.newPage());
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  for (const page of [laptop, phone]) {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') say(`console ${message.type()}: ${message.text()}`);
    });
    await page.goto(`${url}/`);
  }

  // Clients come and go over the first half minute, so that the clients chart has a shape.
  const clients = [];
  cleanups.push(() => clients.forEach((client) => client.close()));
  for (let i = 0; i < 24; i += 1) {
    clients.push(io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnectionDelay: 200 }));
    await new Promise((done) => setTimeout(done, 1000));
  }
  say('24 clients connected; killing the child');
  process.kill(firstPid, 'SIGKILL');
  const secondPid = await runningPid(firstPid);
  await new Promise((done) => setTimeout(done, 15_000));

  say(`child ${secondPid} runs again; making it leak 25 MB/s`);
  const client = clients.find((each) => each.connected) ?? (await until('a connected client', () => clients.find((each) => each.connected)));
  const actions = laptop.locator('[data-testid="timeline-entry"][data-kind="recovery_started"]');
  const actionsBefore = await actions.count();
  const ack = await client.timeout(5000).emitWithAck('demo:fault', { kind: 'leak', mbPerSec: 25 });
  if (ack.accepted !== true) throw new Error(`the demo server refused the leak: ${ack.reason}`);
  await until('recovery to act on the leak', async () => (await actions.count()) > actionsBefore, 60_000);

  mkdirSync(docs, { recursive: true });
  await laptop.screenshot({ path: join(docs, 'dashboard.png'), fullPage: true });
  await phone.screenshot({ path: join(docs, 'dashboard-phone.png'), fullPage: false });
  say('wrote docs/dashboard.png and docs/dashboard-phone.png');
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  process.stderr.write(`screenshot: ${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // Go on stopping the rest.
    }
  }
  rmSync(temp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
