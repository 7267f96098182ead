/** What the `status` and `logs` commands read and write: injected so that tests can capture it. */
export interface CommandIO {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Colours and tables for a person; plain text for a pipe. */
  readonly stdoutIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}
