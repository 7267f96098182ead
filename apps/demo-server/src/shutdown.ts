export interface ShutdownPlan {
  readonly ignoreSigterm: boolean;
  /** Closes what is open; the process exits 0 once it settles. */
  readonly close: () => Promise<void>;
  /** Exit even if close has not settled by then. */
  readonly forceAfterMs: number;
  readonly log: (line: string) => void;
  readonly warn: (line: string) => void;
  readonly exit: (code: number) => void;
}

/**
 * SIGTERM and SIGINT close the server and exit 0. With the ignore switch SIGTERM is only
 * logged, so a supervisor has to escalate. A second signal while closing changes nothing:
 * the force timer already bounds the wait.
 */
export function handleShutdownSignals(plan: ShutdownPlan): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    plan.log(`demo-server shutting down (${signal})`);
    setTimeout(() => {
      plan.warn(`demo-server close took over ${plan.forceAfterMs} ms, exiting anyway`);
      plan.exit(0);
    }, plan.forceAfterMs);
    plan.close().then(
      () => plan.exit(0),
      (error: unknown) => {
        plan.warn(`demo-server close failed: ${error instanceof Error ? error.message : String(error)}`);
        plan.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => {
    if (plan.ignoreSigterm) plan.log('demo-server ignoring SIGTERM');
    else stop('SIGTERM');
  });
}
