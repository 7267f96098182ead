import { EventEmitter } from 'node:events';
import type { IpcChannel } from '../../src/index.js';

/**
 * An in-process stand-in for the IPC channel: what the agent sends lands in `sent`, and
 * the test delivers supervisor messages or a disconnect. The jest worker's own IPC
 * channel is never touched.
 */
export class FakeChannel extends EventEmitter implements IpcChannel {
  connected = true;
  readonly sent: unknown[] = [];
  unrefCalls = 0;

  send(message: unknown): void {
    if (this.connected) this.sent.push(message);
  }

  unref(): void {
    this.unrefCalls += 1;
  }

  /** A message from the supervisor; the agent answers synchronously. */
  deliver(message: unknown): void {
    this.emit('message', message);
  }

  /** The supervisor went away. */
  disconnect(): void {
    this.connected = false;
    this.emit('disconnect');
  }

  /** Messages sent of one type, in order. */
  ofType(type: string): Array<Record<string, unknown>> {
    return this.sent.filter((message): message is Record<string, unknown> => (message as { type?: unknown } | null)?.type === type);
  }
}
