/** The running totals of a service, as the pong reports them. Plain data, no I/O. */
export class ServiceCounters {
  #events = 0;
  #errors = 0;
  #lastEventAt: number | null = null;

  recordEvent(at: number): void {
    this.#events += 1;
    this.#lastEventAt = at;
  }

  recordError(): void {
    this.#errors += 1;
  }

  get eventsTotal(): number {
    return this.#events;
  }

  get errorsTotal(): number {
    return this.#errors;
  }

  get lastEventAt(): number | null {
    return this.#lastEventAt;
  }
}
