/**
 * The agent's end of the IPC channel to the supervisor, shaped after what `process` offers
 * in a child forked with an `ipc` stdio entry: send, 'message' and 'disconnect' events,
 * `connected`, and `unref()` so that the channel does not keep the process alive.
 */
export interface IpcChannel {
  readonly connected: boolean;
  /** Sends one JSON-serialisable message. Must not throw; a message to a closed channel is lost. */
  send(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
  /** Lets the process exit while the channel is open; called once, after the agent listens. */
  unref?(): void;
}

// A send can only fail because the channel is closing. The 'disconnect' event is where the
// agent learns of that, so the failed send itself has nothing more to say.
const ignoreSendError = (): void => {};

/** The process's own IPC channel, or undefined when it was not started with one. */
export function processChannel(): IpcChannel | undefined {
  if (process.send === undefined) return undefined;
  return new ProcessChannel();
}

class ProcessChannel implements IpcChannel {
  // Adding a 'message' or 'disconnect' listener refs the channel. If the application had
  // listeners of its own first, it is the one keeping the channel open, and it stays so;
  // otherwise the agent's listeners alone must not keep the process running.
  readonly #appHeldChannel = process.listenerCount('message') + process.listenerCount('disconnect') > 0;

  get connected(): boolean {
    return process.connected;
  }

  send(message: unknown): void {
    if (!process.connected) return;
    // Without a callback, a send that fails emits 'error' on process, which would crash it.
    process.send?.(message, undefined, undefined, ignoreSendError);
  }

  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'disconnect', listener: () => void): this;
  on(event: 'message' | 'disconnect', listener: (message: unknown) => void): this {
    if (event === 'message') process.on('message', listener);
    else process.on('disconnect', listener);
    return this;
  }

  off(event: 'message', listener: (message: unknown) => void): this;
  off(event: 'disconnect', listener: () => void): this;
  off(event: 'message' | 'disconnect', listener: (message: unknown) => void): this {
    if (event === 'message') process.off('message', listener);
    else process.off('disconnect', listener);
    return this;
  }

  unref(): void {
    if (!this.#appHeldChannel) process.channel?.unref();
  }
}
