import { readinessVerdict, type StatusView } from '@mpm/http';
import type winston from 'winston';
import type { NotifySender } from './notify-socket.js';
import { statusLine } from './status-line.js';

/** Whether the supervisor's own work goes on; the watchdog is fed only while it does. */
export type LoopCheck = { readonly healthy: true } | { readonly healthy: false; readonly reason: string };

export interface SystemdNotifierOptions {
  readonly sender: NotifySender;
  readonly view: () => StatusView;
  /** Calls back on every change the status line may show; returns the unsubscribe. */
  readonly onChange: (listener: () => void) => () => void;
  /** WATCHDOG=1 this often (half of WATCHDOG_USEC); null: no watchdog. */
  readonly watchdogPingMs: number | null;
  readonly loopCheck: () => LoopCheck;
  readonly logger: winston.Logger;
  /** CLOCK_MONOTONIC in µs, for RELOADING=1 (process.hrtime reads that clock). */
  readonly monotonicMicros?: () => bigint;
}

/**
 * The systemd notify protocol (sd_notify(3)) for a Type=notify unit: READY=1 once the
 * child is first ready, STATUS= whenever the one-line summary changes, RELOADING=1 and
 * READY=1 around a config reload, STOPPING=1 on the way out, and WATCHDOG=1 every half
 * watchdog period while the supervisor's own loop works, so that systemd restarts a
 * supervisor that hangs.
 */
export class SystemdNotifier {
  readonly #options: SystemdNotifierOptions;
  #ready = false;
  #stopping = false;
  #lastStatus: string | undefined;
  #failed = false;
  #withheld: string | undefined;

  constructor(options: SystemdNotifierOptions) {
    this.#options = options;
  }

  /** Sends the first STATUS= and follows changes; returns the function that stops. */
  start(): () => void {
    const unsubscribe = this.#options.onChange(() => this.#update());
    const { watchdogPingMs } = this.#options;
    const watchdog = watchdogPingMs === null ? undefined : setInterval(() => this.#feedWatchdog(), watchdogPingMs);
    this.#update();
    return () => {
      unsubscribe();
      if (watchdog !== undefined) clearInterval(watchdog);
    };
  }

  /** Before a SIGHUP reload. Not before the first READY=1: systemd still waits for that one. */
  reloading(): void {
    if (!this.#ready || this.#stopping) return;
    const micros = (this.#options.monotonicMicros ?? (() => process.hrtime.bigint() / 1000n))();
    this.#send(['RELOADING=1', `MONOTONIC_USEC=${micros}`, 'STATUS=reloading the config']);
  }

  /** After a reload, applied or refused: the service runs on either way. */
  reloaded(): void {
    if (!this.#ready || this.#stopping) return;
    this.#lastStatus = statusLine(this.#options.view());
    this.#send(['READY=1', `STATUS=${this.#lastStatus}`]);
  }

  /** The supervisor is stopping its child and will exit. */
  stopping(reason: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#lastStatus = `stopping: ${reason}`;
    this.#send(['STOPPING=1', `STATUS=${this.#lastStatus}`]);
  }

  #update(): void {
    if (this.#stopping) return;
    const view = this.#options.view();
    const line = statusLine(view);
    const becameReady = !this.#ready && readinessVerdict(view).ready;
    if (becameReady) {
      this.#ready = true;
      this.#lastStatus = line;
      this.#send(['READY=1', `STATUS=${line}`]);
      return;
    }
    if (line === this.#lastStatus) return;
    this.#lastStatus = line;
    this.#send([`STATUS=${line}`]);
  }

  #feedWatchdog(): void {
    const check = this.#options.loopCheck();
    if (check.healthy) {
      if (this.#withheld !== undefined) {
        this.#options.logger.info('the supervisor works again: feeding the systemd watchdog', { event: 'watchdog_resumed' });
        this.#withheld = undefined;
      }
      this.#send(['WATCHDOG=1']);
      return;
    }
    if (this.#withheld === undefined) {
      this.#options.logger.error(`not feeding the systemd watchdog: ${check.reason} (systemd restarts the service if this goes on)`, {
        event: 'watchdog_withheld',
        reason: check.reason,
      });
    }
    this.#withheld = check.reason;
  }

  #send(fields: readonly string[]): void {
    try {
      this.#options.sender.send(fields);
      this.#failed = false;
    } catch (error) {
      // Once per failure run: a socket that is gone would otherwise log every ping.
      if (this.#failed) return;
      this.#failed = true;
      this.#options.logger.warn(`could not notify systemd (${fields[0] ?? ''}): ${error instanceof Error ? error.message : String(error)}`, {
        event: 'systemd_notify_failed',
      });
    }
  }
}
