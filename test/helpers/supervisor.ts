import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectAllGone, killQuietly } from './processes.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/**
 * What `mpm-supervise` runs: the package's bin, the one-file build (`pnpm build` makes it).
 * It starts in half of dist/cli.js's time, which is much of an end-to-end test.
 */
export const cliPath = fileURLToPath(new URL('../../apps/supervisor/bundle/mpm-supervise.mjs', import.meta.url));
export const demoServerPath = fileURLToPath(new URL('../../apps/demo-server/dist/main.js', import.meta.url));
export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** One parsed JSON log line of the supervisor. */
export type LogRecord = Record<string, unknown> & { message: string; source: string; level: string };

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<SupervisorProcess>();

/**
 * A real `mpm-supervise` process started from the built CLI, with its stdout parsed as
 * JSON log records as they come.
 */
export class SupervisorProcess {
  readonly process: ChildProcess;
  readonly records: LogRecord[] = [];
  /** stdout lines that were not JSON (pretty format, or a bug). */
  readonly rawLines: string[] = [];
  stderr = '';
  /** Everything the supervisor wrote to stdout, as it came. */
  stdout = '';
  readonly exited: Promise<Exit>;
  /** The state folder this helper made (and removes once the supervisor is gone); undefined when the test chose one. */
  readonly stateDir: string | undefined;
  #partial = '';
  /** Run under a launcher (a new PID namespace): the pids in its records are not this host's. */
  readonly #launched: boolean;
  #listeners = new Set<() => void>();

  /**
   * With `pauseStdout` nothing is read from the supervisor's stdout until resumeStdout().
   * With `launcher` the CLI runs under that command (e.g. `unshare --pid --fork`); `pid` is then the launcher's.
   * `cli` runs another entry file than the one-file build (a copy of it elsewhere).
   * `uid` and `gid` run it as another user (the tests run as root), with no supplementary groups.
   */
  constructor(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; pauseStdout?: boolean; launcher?: readonly string[]; cli?: string; uid?: number; gid?: number } = {}) {
    // Tests run side by side: unless a test says otherwise, each supervisor gets a free
    // status port and its own state folder (neither the default 8766 nor the user's).
    const env: NodeJS.ProcessEnv = { ...process.env, MPM_HTTP_PORT: '0', ...options.env };
    const choosesStateDir = 'MPM_STATE_DIR' in (options.env ?? {}) || args.some((arg) => arg === '--state-dir' || arg.startsWith('--state-dir='));
    this.stateDir = choosesStateDir ? undefined : mkdtempSync(join(tmpdir(), 'mpm-state-'));
    if (this.stateDir !== undefined) env['MPM_STATE_DIR'] = this.stateDir;
    this.#launched = options.launcher !== undefined;
    const [launcher, ...launcherArgs] = options.launcher ?? [process.execPath];
    this.process = spawn(launcher!, [...launcherArgs, ...(options.launcher === undefined ? [] : [process.execPath]), options.cli ?? cliPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    running.add(this);
    this.process.stdout!.setEncoding('utf8');
    if (options.pauseStdout !== true) this.resumeStdout();
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.process.once('close', (code, signal) => {
        running.delete(this);
        if (this.stateDir !== undefined) rmSync(this.stateDir, { recursive: true, force: true });
        if (this.#partial !== '') this.#onLine(this.#partial);
        resolve({ code, signal });
        this.#notify();
      });
    });
  }

  resumeStdout(): void {
    this.process.stdout!.on('data', (chunk: string) => this.#onStdout(chunk));
  }

  get pid(): number {
    return this.process.pid!;
  }

  signal(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** Records from the child's output. */
  childLines(stream?: 'stdout' | 'stderr'): LogRecord[] {
    return this.records.filter((record) => record.source === 'child' && (stream === undefined || record['stream'] === stream));
  }

  events(name: string): LogRecord[] {
    return this.records.filter((record) => record['event'] === name);
  }

  /** Every child pid the supervisor reported spawning. */
  childPids(): number[] {
    return this.events('child_spawned').map((record) => Number(record['childPid']));
  }

  /** Resolves with the first record from index `from` on that matches. */
  waitForRecord(match: (record: LogRecord) => boolean, { timeoutMs = 15_000, from = 0, what = 'a log record' } = {}): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      let index = from;
      const check = (): void => {
        for (; index < this.records.length; index += 1) {
          const record = this.records[index]!;
          if (match(record)) {
            done();
            resolve(record);
            return;
          }
        }
        if (this.process.exitCode !== null || this.process.signalCode !== null) {
          done();
          reject(new Error(`supervisor exited before ${what}; stderr: ${this.stderr}; last records: ${this.#tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last records: ${this.#tail()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  waitForEvent(name: string, options: { timeoutMs?: number; from?: number } = {}): Promise<LogRecord> {
    return this.waitForRecord((record) => record['event'] === name, { ...options, what: `event ${name}` });
  }

  /** Waits for the status server's `status_server_listening` record and returns its URL. */
  async statusUrl(options: { timeoutMs?: number } = {}): Promise<string> {
    const record = await this.waitForEvent('status_server_listening', options);
    return String(record['url']);
  }

  /** Waits for the demo server's "listening" line and returns its port. */
  async waitForListening(options: { timeoutMs?: number; from?: number } = {}): Promise<{ port: number; pid: number; index: number }> {
    const record = await this.waitForRecord((r) => r.source === 'child' && /listening on [^:]+:\d+/.test(r.message), {
      ...options,
      what: 'the demo server to listen',
    });
    const port = Number(/listening on [^:]+:(\d+)/.exec(record.message)![1]);
    return { port, pid: Number(record['pid']), index: this.records.indexOf(record) };
  }

  async waitForExit(timeoutMs = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`supervisor did not exit within ${timeoutMs} ms; last records: ${this.#tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills whatever is left of this supervisor and its children. */
  async destroy(): Promise<void> {
    killQuietly(this.pid);
    // In a PID namespace of its own the launcher takes the namespace down with it.
    const children = this.#launched ? [] : this.childPids();
    for (const pid of children) killQuietly(pid, true);
    await this.exited;
    await expectAllGone([this.pid, ...children]);
  }

  #onStdout(chunk: string): void {
    this.stdout += chunk;
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#onLine(line);
    this.#notify();
  }

  #onLine(line: string): void {
    if (line === '') return;
    try {
      this.records.push(JSON.parse(line) as LogRecord);
    } catch {
      this.rawLines.push(line);
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #tail(): string {
    return this.records
      .slice(-8)
      .map((record) => JSON.stringify(record).slice(0, 300))
      .join('\n');
  }
}

/** Stops every supervisor a test left running (call from afterEach). */
export async function destroyAllSupervisors(): Promise<void> {
  await Promise.all([...running].map((supervisor) => supervisor.destroy()));
}
