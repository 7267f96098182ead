import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';

const LINES_PER_BATCH = 10_000;

function lineText(index: number): string {
  return `demo-line ${String(index).padStart(7, '0')}\n`;
}

/**
 * Writes `count` lines `demo-line 0000001`… as fast as the reader takes them: large
 * batches, waiting for 'drain' whenever the stream says it is full, then a summary line.
 * Yields between batches so the server keeps answering while it floods.
 */
export async function printLines(out: NodeJS.WritableStream, count: number): Promise<void> {
  for (let first = 1; first <= count; first += LINES_PER_BATCH) {
    const last = Math.min(count, first + LINES_PER_BATCH - 1);
    let batch = '';
    for (let index = first; index <= last; index += 1) batch += lineText(index);
    if (!out.write(batch)) await once(out, 'drain');
    await nextTurn();
  }
  out.write(`demo-server printed ${count} lines\n`);
}
