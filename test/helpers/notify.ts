import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from './supervisor.js';
import { waitUntil } from './wait.js';

/** A real AF_UNIX datagram socket bound where NOTIFY_SOCKET points, as systemd binds its own. */
export class NotifyReceiver {
  readonly path: string;
  readonly messages: string[][] = [];
  readonly #dir: string;
  readonly #process: ChildProcess;
  #partial = '';
  #bound = false;

  constructor() {
    this.#dir = mkdtempSync(join(tmpdir(), 'mpm-notify-'));
    this.path = join(this.#dir, 'notify.sock');
    this.#process = spawn('python3', [fixturePath('notify-receiver.py'), this.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = JSON.parse(line) as { bound?: string; fields?: string[] };
        if (parsed.bound !== undefined) this.#bound = true;
        if (parsed.fields !== undefined) this.messages.push(parsed.fields);
      }
    });
  }

  async bound(): Promise<void> {
    await waitUntil(() => this.#bound, { what: 'the notify socket to be bound' });
  }

  /** The messages that carry one of `keys`, as their first such field, in the order received. */
  sequence(keys: readonly string[]): string[] {
    return this.messages.flatMap((fields) => {
      const field = fields.find((candidate) => keys.some((key) => candidate.startsWith(`${key}=`)));
      return field === undefined ? [] : [field];
    });
  }

  count(field: string): number {
    return this.messages.filter((fields) => fields.includes(field)).length;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#process.once('close', resolve));
    this.#process.kill('SIGKILL');
    await exited;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
