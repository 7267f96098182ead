/** An AbortSignal for "stop following", and how to stop listening for it. */
export interface ProcessStop {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Aborts on SIGINT or SIGTERM (the user is done: exit 0), and when stdout fails, which
 * means its reader went away (`logs -f | head`): nothing more can be shown, so following
 * ends quietly. Only the CLI calls this; tests pass their own signal.
 */
export function stopOnProcessSignals(stdout: NodeJS.WriteStream = process.stdout): ProcessStop {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  stdout.on('error', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      stdout.off('error', stop);
    },
  };
}
