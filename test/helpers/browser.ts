import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium (package `chromium`, which .ci/run installs); never a downloaded browser. */
export const CHROMIUM_PATH = process.env['MPM_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Headless, as root in a container, and quiet on a machine without a network: without the
 * background-networking flags Chromium keeps opening connections to Google's hosts.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the page said on its console, and script errors it did not catch. */
export interface ConsoleEntry {
  readonly type: string;
  readonly text: string;
}

/** A real Chromium with a fresh profile, removed again by close(). */
export class TestBrowser {
  readonly context: BrowserContext;
  readonly #profile: string;
  /** console.error / console.warn messages and uncaught errors of every page, in order. */
  readonly problems: ConsoleEntry[] = [];

  private constructor(context: BrowserContext, profile: string) {
    this.context = context;
    this.#profile = profile;
    context.on('page', (page) => this.#watch(page));
  }

  /** `extraArgs` are added to Chromium's command line, e.g. `--host-resolver-rules=…`. */
  static async launch({ extraArgs = [], ...options }: BrowserContextOptions & { extraArgs?: readonly string[] } = {}): Promise<TestBrowser> {
    const profile = mkdtempSync(join(tmpdir(), 'mpm-chromium-'));
    try {
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS, ...extraArgs],
        viewport: { width: 1280, height: 900 },
        ...options,
      });
      const browser = new TestBrowser(context, profile);
      for (const page of context.pages()) browser.#watch(page);
      return browser;
    } catch (error) {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    }
  }

  /** The persistent context opens with one blank page; tests use it. */
  async page(): Promise<Page> {
    return this.context.pages()[0] ?? (await this.context.newPage());
  }

  async close(): Promise<void> {
    try {
      await this.context.close();
    } finally {
      rmSync(this.#profile, { recursive: true, force: true });
    }
  }

  #watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') this.problems.push({ type: message.type(), text: message.text() });
    });
    page.on('pageerror', (error) => this.problems.push({ type: 'pageerror', text: error.message }));
  }
}
