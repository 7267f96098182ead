/** One reading of a metric. */
export interface Reading {
  readonly at: number;
  readonly value: number;
}

/**
 * The recent readings of one metric and how fast it moves: a least-squares line through
 * the readings of the last `windowMs`, so that one noisy reading (a GC, a page-in) does
 * not make a trend and a steady climb does.
 */
export class Trend {
  readonly #windowMs: number;
  #readings: Reading[] = [];

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  add(reading: Reading): void {
    this.#readings.push(reading);
    const since = reading.at - this.#windowMs;
    while (this.#readings.length > 0 && (this.#readings[0]?.at ?? 0) < since) this.#readings.shift();
  }

  clear(): void {
    this.#readings = [];
  }

  get latest(): Reading | undefined {
    return this.#readings.at(-1);
  }

  /** How long the readings in the window cover. */
  get spanMs(): number {
    const first = this.#readings[0];
    const last = this.#readings.at(-1);
    return first === undefined || last === undefined ? 0 : last.at - first.at;
  }

  /** Units per second over the window; undefined with fewer than `minReadings` readings. */
  slopePerSecond(minReadings = 3): number | undefined {
    const readings = this.#readings;
    if (readings.length < minReadings) return undefined;
    const n = readings.length;
    const meanAt = readings.reduce((sum, reading) => sum + reading.at, 0) / n;
    const meanValue = readings.reduce((sum, reading) => sum + reading.value, 0) / n;
    let covariance = 0;
    let variance = 0;
    for (const reading of readings) {
      covariance += (reading.at - meanAt) * (reading.value - meanValue);
      variance += (reading.at - meanAt) ** 2;
    }
    return variance === 0 ? undefined : (covariance / variance) * 1000;
  }
}
