/**
 * The supervisor's clock as seen from the browser. Uptimes and countdowns are differences
 * against epoch times the server made, so they must tick on the server's clock, not on a
 * laptop's that may be minutes off: every document carries `state.now` and we keep the offset.
 * Wall-clock times (timeline, chart axes) are shown as the server stamped them, so they
 * match the supervisor's own logs.
 */
export class ServerClock {
  #offsetMs = 0;

  /** Called with `state.now` of every document received. */
  sync(serverNow: number): void {
    this.#offsetMs = serverNow - Date.now();
  }

  /** Epoch ms on the server's clock. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }
}
