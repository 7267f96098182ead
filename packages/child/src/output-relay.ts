import { sleep, type Clock } from '@mpm/system';
import type { OutputLine, OutputStream } from './events.js';
import { LineSplitter } from './line-splitter.js';
import type { SpawnedProcess } from './spawn.js';

/** How long the exit report waits for the last output of the child to be read. */
const OUTPUT_DRAIN_MS = 100;

export interface RelayedChild {
  readonly pid: number;
  readonly generation: number;
  readonly maxLineBytes: number;
}

/**
 * Gives out the child's stdout and stderr line by line (a line over maxLineBytes is cut,
 * and says so). Resolves once both streams have ended, their last lines given out.
 */
export function relayOutput(child: Pick<SpawnedProcess, 'stdout' | 'stderr'>, from: RelayedChild, line: (line: OutputLine) => void): Promise<void> {
  const relay = (stream: SpawnedProcess['stdout'], name: OutputStream): Promise<void> => {
    const splitter = new LineSplitter((text, cut) => line({ stream: name, text, pid: from.pid, generation: from.generation, cut }), from.maxLineBytes);
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    return new Promise((resolve) => {
      const done = (): void => {
        splitter.flush();
        resolve();
      };
      stream.once('end', done);
      stream.once('error', done);
    });
  };
  return Promise.all([relay(child.stdout, 'stdout'), relay(child.stderr, 'stderr')]).then(() => undefined);
}

/**
 * Waits for the child's last lines to come out, as an exit report should, but not long:
 * a grandchild that keeps the pipe open must not delay the report.
 */
export function lastOutput(outputDone: Promise<void>, clock: Clock): Promise<void> {
  return Promise.race([outputDone, sleep(clock, OUTPUT_DRAIN_MS)]);
}
