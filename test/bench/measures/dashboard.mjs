// Dashboard: how big the page at GET / is, and how soon a browser shows it with live data.
// A real supervisor over the demo server; Debian's headless Chromium (playwright-core)
// loads the page again and again, each time a fresh navigation (the page says no-store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { paths } from '../lib/paths.mjs';
import { startMpm } from '../subjects/mpm.mjs';
import { waitFor } from '../lib/wait.mjs';

export const id = 'dashboard';
export const title = 'Dashboard page';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Navigation timing of the page just loaded, and when the child's state was first drawn; ms from navigation start. */
async function loadOnce(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  // Polled every frame: the figure is the frame in which the live data first showed.
  /* global document -- the function runs in the page, not here */
  await page.waitForFunction(() => document.querySelector('[data-testid="child-state"]')?.textContent === 'running', undefined, { polling: 'raf', timeout: 30_000 });
  return page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation');
    return { load: navigation.loadEventEnd, live: performance.now() };
  });
}

export async function run(ctx) {
  const loads = ctx.quick ? 3 : 20;
  const mpm = startMpm(ctx, { args: ['--check-interval', '1s', '--port', '0'], command: ['node', paths.demo] });
  const profile = mkdtempSync(join(tmpdir(), 'mpm-bench-chromium-'));
  let context;
  try {
    const listening = await mpm.waitRecord('the status server', (record) => record.event === 'status_server_listening');
    const url = `${listening.record.url}/`;
    await waitFor('the demo server to pass its checks', async () => (await fetch(`${url}health`)).status === 200);
    const html = Buffer.from(await (await fetch(url)).text());
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, env: ctx.env });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await loadOnce(page, url); // the first start of the renderer is not the page's cost
    const load = [];
    const live = [];
    for (let i = 0; i < loads; i += 1) {
      const timing = await loadOnce(page, url);
      load.push(timing.load);
      live.push(timing.live);
    }
    return {
      figures: [
        { subject: 'dashboard', label: 'page size (one HTML answer, script and style inline)', unit: 'KB', values: [html.length / 1000] },
        { subject: 'dashboard', label: 'the same, gzipped (as a browser gets it)', unit: 'KB', values: [gzipSync(html, { level: 9 }).length / 1000] },
        { subject: 'dashboard', label: 'navigation → load event', unit: 'ms', values: load },
        { subject: 'dashboard', label: 'navigation → live data drawn (child state from the stream)', unit: 'ms', values: live },
      ],
      ratios: [],
      targets: [],
      notes: [
        `${loads} loads of ${url.replace(/:\d+\//, ':PORT/')} in Debian's headless Chromium after one warm-up, each a fresh navigation (the page is served no-store) over 127.0.0.1, gzipped as the status server sends it to a browser; timings from the page's own Navigation Timing and performance.now().`,
      ],
      problems,
    };
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await mpm.stop();
  }
}
