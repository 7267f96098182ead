import type { Duplex } from 'node:stream';
import { DEFAULT_MAX_MESSAGE_BYTES, JsonLineReader, type JsonLineTrouble } from './json-lines.js';

/** The file descriptor of the channel in the child: what Node's own `fork()` uses too. */
export const IPC_FD = 3;

/**
 * Makes the child's Node open fd 3 as its IPC channel (`process.send`, `process.on('message')`),
 * exactly as after `child_process.fork()`; the supervisor's end is a plain socket it reads itself.
 */
export const IPC_CHILD_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_CHANNEL_FD: String(IPC_FD),
  NODE_CHANNEL_SERIALIZATION_MODE: 'json',
});

/** What is written to a child that does not read before sends are refused (pings pile up in a blocked child). */
const MAX_UNSENT_BYTES = 1024 * 1024;

export interface IpcChannelOptions {
  readonly maxMessageBytes?: number;
}

export type IpcTrouble = JsonLineTrouble;

/**
 * The supervisor's end of one child's IPC channel, read by us rather than by Node: a
 * message over `maxMessageBytes` ends the reading (the rest of the stream cannot be framed)
 * and a line that is not JSON is skipped, each reported, never thrown.
 *
 * Stopping to read does not close the socket: the agent takes a closed channel as "the
 * supervisor is gone" and shuts its server down, and a child must not lose its server
 * because a descendant wrote garbage to the channel. The socket is destroyed with the child.
 */
export class IpcChannel {
  readonly #socket: Duplex;
  readonly #reader: JsonLineReader;
  readonly #messageListeners = new Set<(message: unknown) => void>();
  readonly #troubleListeners = new Set<(trouble: IpcTrouble) => void>();
  #reading = true;

  constructor(socket: Duplex, options: IpcChannelOptions = {}) {
    this.#socket = socket;
    this.#reader = new JsonLineReader(
      {
        message: (message) => {
          for (const listener of this.#messageListeners) listener(message);
        },
        trouble: (trouble) => {
          if (trouble.kind === 'oversized') this.#stopReading();
          for (const listener of this.#troubleListeners) listener(trouble);
        },
      },
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    );
    socket.on('data', (chunk: Buffer) => {
      if (this.#reading) this.#reader.push(chunk);
    });
    // A child gone, or a descendant that closed its copy oddly: nothing to report but "closed".
    socket.on('error', () => this.#stopReading());
    socket.on('close', () => {
      this.#reading = false;
    });
  }

  /** True while messages are read and may be sent. */
  get open(): boolean {
    return this.#reading && !this.#socket.destroyed;
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#messageListeners.add(listener);
  }

  onTrouble(listener: (trouble: IpcTrouble) => void): void {
    this.#troubleListeners.add(listener);
  }

  /** Writes one message; false, and nothing written, when the channel is not open or the child reads nothing. */
  send(message: unknown): boolean {
    if (!this.open || !this.#socket.writable || this.#socket.writableLength > MAX_UNSENT_BYTES) return false;
    let line: string;
    try {
      line = `${JSON.stringify(message)}\n`;
    } catch {
      return false;
    }
    this.#socket.write(line);
    return true;
  }

  /** The child is gone: release the socket (a descendant may still hold the other end). */
  destroy(): void {
    this.#reading = false;
    this.#socket.destroy();
  }

  #stopReading(): void {
    this.#reading = false;
    // Paused, the kernel buffer fills and a flooding writer blocks, costing the supervisor nothing.
    this.#socket.pause();
  }
}
