import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseProcStat } from '@mpm/system';
import { expectAllGone, killQuietly } from '../../../../test/helpers/processes.js';

/** Generous: bounds a wait on a slow machine, it is not how long things take. */
export const DEADLINE_MS = 15_000;

export const DEMO_MAIN = fileURLToPath(new URL('../../../../apps/demo-server/dist/main.js', import.meta.url));

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const running = new Set<Child>();

/**
 * A real child process (a fixture or the built demo server) with its stdout collected,
 * so that a test waits for the line a child prints once it is ready, never for time.
 */
export class Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  stdout = '';
  stderr = '';
  #exited = false;
  readonly #changes = new Set<() => void>();

  private constructor(args: string[], env: NodeJS.ProcessEnv) {
    // stdin is a pipe: the fixtures that read it exit when it closes, so none outlives us.
    this.process = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this);
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#notify();
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // A stopped or blocked child does not read its stdin; a write to a closed pipe is no error of ours.
    this.process.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.process.once('exit', () => {
        this.#exited = true;
        running.delete(this);
        this.#notify();
        resolve();
      });
    });
  }

  /** `node test/fixtures/NAME args...` */
  static fixture(name: string, args: string[] = []): Child {
    return new Child([fixture(name), ...args], process.env);
  }

  /** The built demo server on 127.0.0.1, port 0, with these fault switches and no others. */
  static demoServer(env: Record<string, string> = {}): Child {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DEMO_')));
    return new Child([DEMO_MAIN], { ...clean, HOST: '127.0.0.1', PORT: '0', ...env });
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error(`the child did not start: ${this.stderr}`);
    return pid;
  }

  /**
   * Resolves with the first match of `pattern` in stdout; rejects naming `what` when the
   * deadline passes or the child exits first.
   */
  line(pattern: RegExp, what: string, timeoutMs = DEADLINE_MS): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const look = (): void => {
        const match = pattern.exec(this.stdout);
        if (match !== null) return finish(() => resolve(match));
        if (this.#exited) return finish(() => reject(new Error(`the child exited before printing ${what}; stdout: ${this.stdout} stderr: ${this.stderr}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stdout: ${this.stdout} stderr: ${this.stderr}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#changes.delete(look);
        settle();
      };
      this.#changes.add(look);
      look();
    });
  }

  /** Writes a line to the child's stdin. */
  send(line: string): void {
    this.process.stdin!.write(`${line}\n`);
  }

  #notify(): void {
    for (const change of [...this.#changes]) change();
  }
}

/**
 * Cleanup for afterEach: SIGKILL every child still running (stopped or spinning ones too:
 * SIGKILL needs neither a running loop nor SIGCONT), wait for each exit, then make sure
 * none is left.
 */
export async function killAllChildren(): Promise<void> {
  const children = [...running];
  for (const child of children) {
    killQuietly(child.pid);
    child.process.stdin?.destroy();
  }
  await Promise.all(children.map((child) => child.exited));
  await expectAllGone(children.map((child) => child.pid));
}

/** CPU time the kernel has charged to `pid` (user + system), in clock ticks; from /proc, not from the code under test. */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  if (stat === undefined) throw new Error(`/proc/${pid}/stat does not parse`);
  return stat.cpuTicks;
}
