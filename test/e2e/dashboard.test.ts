import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { TestBrowser } from '../helpers/browser.js';
import { getJson, httpRequest } from '../helpers/http.js';
import type { Json } from '../helpers/records.js';
import { demoServerPath, destroyAllSupervisors, SupervisorProcess } from '../helpers/supervisor.js';
import { waitUntil } from '../helpers/wait.js';

// The dashboard at GET / as an operator sees it: a real supervisor over the real demo
// server, its page loaded in a real headless Chromium (Debian's), live over the real stream.

const QUICK: Json = {
  child: { killTimeoutMs: '1s' },
  health: { checkIntervalMs: 500, probeTimeoutMs: 500, failureThreshold: 2 },
};

// Bounds waits on a slow machine; it is not how long anything takes.
const DEADLINE_MS = 20_000;

const browsers: TestBrowser[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  for (const browser of browsers.splice(0)) await browser.close();
  await destroyAllSupervisors();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function supervise(env: NodeJS.ProcessEnv = {}): SupervisorProcess {
  const dir = mkdtempSync(join(tmpdir(), 'mpm-dashboard-'));
  tempDirs.push(dir);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(QUICK));
  return new SupervisorProcess(['--config', config, '--port', '0', '--', 'node', demoServerPath], { env });
}

async function launch(options: Parameters<typeof TestBrowser.launch>[0] = {}): Promise<TestBrowser> {
  const browser = await TestBrowser.launch(options);
  browsers.push(browser);
  return browser;
}

const text = (page: Page, testId: string): Promise<string> => page.getByTestId(testId).first().innerText();

/** Waits until the element's text, trimmed, passes `accept`. */
async function textUntil(page: Page, testId: string, accept: (value: string) => boolean, what: string): Promise<string> {
  let last = '';
  await waitUntil(
    async () => {
      last = (await text(page, testId).catch(() => '')).trim();
      return accept(last);
    },
    { timeoutMs: DEADLINE_MS, intervalMs: 50, what: `${what} (last seen: ${JSON.stringify(last)})` },
  );
  return last;
}

async function childPid(url: string, headers: Record<string, string> = {}): Promise<number> {
  let pid: number | null = null;
  await waitUntil(
    async () => {
      const { body } = await getJson<{ child: { pid: number | null; state: string } }>(`${url}/health`, headers);
      pid = body.child.state === 'running' ? body.child.pid : null;
      return pid !== null;
    },
    { timeoutMs: DEADLINE_MS, what: 'the child to run' },
  );
  return pid!;
}

describe('the dashboard in a real browser', () => {
  it('shows the child live, and its restart and timeline after the child is killed', async () => {
    const supervisor = supervise();
    const url = await supervisor.statusUrl();
    await supervisor.waitForListening();
    const firstPid = await childPid(url);
    const browser = await launch();
    const page = await browser.page();

    const response = await page.goto(`${url}/`);
    expect(response?.status()).toBe(200);
    await textUntil(page, 'connection', (value) => /live/i.test(value), 'the stream to be live');
    await textUntil(page, 'child-state', (value) => value === 'running', 'the child to show as running');
    expect(await text(page, 'child-pid')).toContain(String(firstPid));
    expect((await text(page, 'child-restarts')).trim()).toBe('0');
    await textUntil(page, 'overall-status', (value) => value === 'PASS', 'the verdict to pass');
    // Every check of the latest round has a row, with its status.
    await waitUntil(async () => (await page.getByTestId('check-row').count()) >= 10, { timeoutMs: DEADLINE_MS, what: 'the check rows' });
    expect(await page.locator('[data-testid="check-row"][data-check="cpuPercent"]').getAttribute('data-status')).toBe('healthy');
    // The six charts, each drawn on a canvas.
    for (const chart of ['cpu', 'rss', 'fds', 'probe', 'clients', 'lag']) {
      expect(await page.locator(`[data-testid="chart"][data-chart="${chart}"] canvas`).count()).toBeGreaterThan(0);
    }
    const exitsBefore = await page.locator('[data-testid="timeline-entry"][data-kind="exited"]').count();

    process.kill(firstPid, 'SIGKILL');

    await textUntil(page, 'child-restarts', (value) => value === '1', 'the restart count to become 1');
    await waitUntil(async () => (await page.locator('[data-testid="timeline-entry"][data-kind="exited"]').count()) > exitsBefore, {
      timeoutMs: DEADLINE_MS,
      what: 'an exit on the timeline',
    });
    expect(await page.locator('[data-testid="timeline-entry"][data-kind="exited"]').first().innerText()).toContain(`child ${firstPid} was killed by SIGKILL`);
    const secondPid = await childPid(url);
    expect(secondPid).not.toBe(firstPid);
    await textUntil(page, 'child-pid', (value) => value.includes(String(secondPid)), 'the new pid');
    await textUntil(page, 'child-state', (value) => value === 'running', 'the new child to show as running');
    expect(browser.problems).toEqual([]);
  });

  it('needs the token when there is one, and works with it', async () => {
    const token = 'dashboard-test-token-4f1c';
    const supervisor = supervise({ MPM_HTTP_TOKEN: token });
    const url = await supervisor.statusUrl();

    // Without it, neither the page nor its data is served, and the browser is asked to sign in.
    for (const path of ['/', '/stream', '/history']) {
      const answer = await httpRequest(`${url}${path}`);
      expect(answer.status).toBe(401);
      // Two challenges (Node joins the two header lines): Basic is what makes a browser ask.
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="mpm-supervise", Basic realm="mpm-supervise"/);
    }
    const denied = await launch();
    const deniedPage = await denied.page();
    // Headless, nobody answers the browser's sign-in prompt, so the navigation fails.
    await expect(deniedPage.goto(`${url}/`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);

    // A browser signs in with any user name and the token as its password; every request
    // after that, the stream's included, carries it.
    const browser = await launch({ httpCredentials: { username: 'operator', password: token } });
    const page = await browser.page();
    expect((await page.goto(`${url}/`))?.status()).toBe(200);
    await textUntil(page, 'connection', (value) => /live/i.test(value), 'the stream to be live');
    await textUntil(page, 'child-state', (value) => value === 'running', 'the child to show as running');
    expect(browser.problems).toEqual([]);
    expect(await page.content()).not.toContain(token);
  });

  it('fits a phone screen', async () => {
    const supervisor = supervise();
    const url = await supervisor.statusUrl();
    await childPid(url);
    const browser = await launch({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await browser.page();
    await page.goto(`${url}/`);
    await textUntil(page, 'child-state', (value) => value === 'running', 'the child to show as running');
    await waitUntil(async () => (await page.getByTestId('check-row').count()) >= 10, { timeoutMs: DEADLINE_MS, what: 'the check rows' });
    // Nothing wider than the screen: no sideways scrolling to read a value.
    // A string, because the tests are type-checked without the DOM's types.
    const widths = await page.evaluate<{ page: number; screen: number }>('({ page: document.documentElement.scrollWidth, screen: window.innerWidth })');
    expect(widths.page).toBeLessThanOrEqual(widths.screen);
    for (const testId of ['overall-status', 'child-state', 'child-restarts', 'breaker-state']) {
      const box = await page.getByTestId(testId).first().boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(widths.screen);
    }
    expect(browser.problems).toEqual([]);
  });
});

describe('the dashboard over HTTP', () => {
  it('serves one self-contained page with a strict content security policy', async () => {
    const supervisor = supervise();
    const url = await supervisor.statusUrl();
    const answer = await httpRequest(`${url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(answer.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    // No request leaves for another host: no src= or href= to anything but the page itself.
    expect(answer.body).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i);

    // A browser gets the same page gzipped, less than half the size.
    const gzipped = await rawGet(`${url}/`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['vary']).toBe('Accept-Encoding');
    expect(gunzipSync(gzipped.body).toString('utf8')).toBe(answer.body);
    expect(gzipped.body.length).toBeLessThan(Buffer.byteLength(answer.body) / 2);
  });

  it('streams a snapshot, then an update after every round', async () => {
    const supervisor = supervise();
    const url = await supervisor.statusUrl();
    await childPid(url);
    const seen = await readStream(`${url}/stream`, (events) => events.filter((event) => event.name === 'update').length >= 2);
    expect(seen[0]!.name).toBe('snapshot');
    const snapshot = seen[0]!.data as { state: { child: { state: string } }; historySize: number; timeline: Array<{ kind: string }> };
    expect(snapshot.state.child.state).toBe('running');
    expect(snapshot.historySize).toBe(100);
    expect(snapshot.timeline.map((entry) => entry.kind)).toContain('spawned');
    const update = seen.find((event) => event.name === 'update')!.data as { samples: Array<{ values: Record<string, unknown> }> };
    expect(update.samples.length).toBeGreaterThanOrEqual(1);
    expect(typeof update.samples[0]!.values['cpuPercent']).toBe('number');

    // /history is the same snapshot as JSON, for curl and scripts.
    const history = await getJson<{ state: { child: { state: string } }; samples: unknown[]; timeline: unknown[] }>(`${url}/history`);
    expect(history.status).toBe(200);
    expect(history.body.state.child.state).toBe('running');
    expect(history.body.samples.length).toBeGreaterThanOrEqual(2);
    expect(history.body.timeline.length).toBeGreaterThanOrEqual(1);
  });

  it('serves 16 dashboards at once, turns the 17th away, and stays quiet about it', async () => {
    const supervisor = supervise();
    const url = await supervisor.statusUrl();
    await childPid(url);
    const controller = new AbortController();
    try {
      const open = await Promise.all(Array.from({ length: 16 }, () => fetch(`${url}/stream`, { signal: controller.signal })));
      expect(open.map((response) => response.status)).toEqual(Array(16).fill(200));
      const refused = await httpRequest(`${url}/stream`);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'too_many_streams' });
      // Every one of them still gets the rounds as they come.
      for (const events of await Promise.all(open.map((response) => firstEvents(response, 2)))) {
        expect(events.slice(0, 2)).toEqual(['event: snapshot', 'event: update']);
      }
    } finally {
      controller.abort();
    }
    // Once they are gone, a new one is served again.
    await waitUntil(
      async () => {
        const again = new AbortController();
        try {
          return (await fetch(`${url}/stream`, { signal: again.signal })).status === 200;
        } finally {
          again.abort();
        }
      },
      { timeoutMs: DEADLINE_MS, what: 'a stream to be served again' },
    );
    // No warning about listeners, or anything else, on the supervisor's stderr.
    expect(supervisor.stderr).toBe('');
  });
});

/** One GET with its body as bytes, as they came (no decoding). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Reads the first `count` events of an open stream (and leaves it open). */
async function firstEvents(response: Response, count: number): Promise<string[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while ((text.match(/^event: /gm) ?? []).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text.match(/^event: (.+)$/gm) ?? [];
}

/** Reads Server-Sent Events until `enough` holds, then disconnects. */
async function readStream(url: string, enough: (events: Array<{ name: string; data: unknown }>) => boolean): Promise<Array<{ name: string; data: unknown }>> {
  const controller = new AbortController();
  const events: Array<{ name: string; data: unknown }> = [];
  const timer = setTimeout(() => controller.abort(), DEADLINE_MS);
  try {
    const response = await fetch(url, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (name !== undefined && data !== undefined) events.push({ name, data: JSON.parse(data) });
      }
      if (enough(events)) break;
    }
    return events;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
