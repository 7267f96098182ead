import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAgentMessage, type AckMessage, type AgentMessage, type ReadyMessage, type ServiceStats } from '@mpm/protocol';
import { DEADLINE_MS, within } from './deadline.js';

export const DEMO_MAIN = fileURLToPath(new URL('../../../../apps/demo-server/dist/main.js', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The environment of a child: ours without the demo's fault switches, on a free port. */
export function demoEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DEMO_')));
  return { ...clean, HOST: '127.0.0.1', PORT: '0', ...extra };
}

const running = new Set<DemoChild>();

/**
 * The built demo server in a real child process, with an IPC channel unless `ipc: false`.
 * Every message it sends is parsed as the supervisor would (an invalid one fails the test).
 */
export class DemoChild {
  readonly process: ChildProcess;
  readonly messages: AgentMessage[] = [];
  readonly invalid: unknown[] = [];
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  #nextId = 1;
  readonly #listeners = new Set<() => void>();

  constructor({ ipc = true, env = {} }: { ipc?: boolean; env?: Record<string, string> } = {}) {
    this.process = spawn(process.execPath, [DEMO_MAIN], {
      env: demoEnv(env),
      stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#notify();
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.process.on('message', (value: unknown) => {
      const parsed = parseAgentMessage(value);
      if (parsed.kind === 'message') this.messages.push(parsed.message);
      else this.invalid.push(value);
      this.#notify();
    });
    // 'close', not 'exit': the exit can come before the last of stdout is read, and the tests read it after.
    this.exited = new Promise((resolve) => {
      this.process.once('close', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
        this.#notify();
      });
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** Sends a raw value over IPC, as a supervisor (or anyone else) might. */
  send(value: unknown): void {
    this.process.send(value as object);
  }

  nextId(): number {
    const id = this.#nextId;
    this.#nextId += 1;
    return id;
  }

  /** Resolves with the first message `pick` accepts, or rejects at the deadline or exit. */
  waitForMessage<T>(pick: (message: AgentMessage) => T | undefined, what: string, timeoutMs = DEADLINE_MS): Promise<T> {
    return this.#waitFor(
      () => {
        for (const message of this.messages) {
          const picked = pick(message);
          if (picked !== undefined) return picked;
        }
        return undefined;
      },
      what,
      timeoutMs,
    );
  }

  /** Resolves once stdout matches; with the match. */
  waitForOutput(pattern: RegExp, timeoutMs = DEADLINE_MS): Promise<RegExpExecArray> {
    return this.#waitFor(() => pattern.exec(this.stdout) ?? undefined, `output ${pattern}`, timeoutMs);
  }

  ready(): Promise<ReadyMessage> {
    return this.waitForMessage((message) => (message.type === 'mpm:ready' ? message : undefined), 'mpm:ready');
  }

  /** One ping, answered by the pong with the same id. */
  async ping(): Promise<ServiceStats> {
    const id = this.nextId();
    this.send({ type: 'mpm:ping', id });
    return this.waitForMessage((message) => (message.type === 'mpm:pong' && message.id === id ? message.stats : undefined), `mpm:pong ${id}`);
  }

  async clearConnections(): Promise<AckMessage> {
    const id = this.nextId();
    this.send({ type: 'mpm:clear-connections', id });
    return this.waitForMessage((message) => (message.type === 'mpm:ack' && message.id === id ? message : undefined), `mpm:ack ${id}`);
  }

  waitForExit(timeoutMs = DEADLINE_MS): Promise<Exit> {
    return within(this.exited, `the demo server (pid ${this.pid}) to exit`, timeoutMs);
  }

  #waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.process.exitCode !== null || this.process.signalCode !== null) {
          done();
          reject(new Error(`demo server exited before ${what}; stdout: ${this.stdout}; stderr: ${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stdout: ${this.stdout.slice(-2000)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** SIGKILLs every demo server a test left running and waits for them (call from afterEach). */
export async function killAllDemoChildren(): Promise<void> {
  const children = [...running];
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
}
