import type { ChildController, SpawnedEvent } from '@mpm/child';
import { readRssBytes, type Clock, type TimerHandle } from '@mpm/health';
import type { MemorySample } from '@mpm/recovery';

/**
 * How often the child's resident memory is read between health rounds. A leak of
 * 100 MB/s moves 25 MB in that time; reading /proc/PID/status costs microseconds.
 */
export const MEMORY_SAMPLE_MS = 250;

const MIB = 1024 * 1024;

/**
 * Reads the running child's RSS every MEMORY_SAMPLE_MS and hands it on (to recovery's
 * leak guard), from its spawn until it exits or is being stopped on purpose. Without
 * /proc there is nothing to read, and the rounds alone judge memory.
 */
export function sampleChildMemory(controller: ChildController, clock: Clock, onSample: (sample: MemorySample) => void): () => void {
  let timer: TimerHandle | undefined;
  let current: SpawnedEvent | undefined;
  const stop = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    current = undefined;
  };
  const tick = (): void => {
    timer = undefined;
    const child = current;
    if (child === undefined) return;
    const bytes = readRssBytes(child.pid);
    if (bytes === null) return;
    onSample({ generation: child.generation, pid: child.pid, at: clock.now(), rssMb: bytes / MIB });
    if (current === child) schedule();
  };
  const schedule = (): void => {
    timer = clock.setTimeout(tick, MEMORY_SAMPLE_MS);
    timer.unref?.();
  };
  const onSpawned = (spawned: SpawnedEvent): void => {
    stop();
    current = spawned;
    schedule();
  };
  const onGone = ({ generation }: { generation: number }): void => {
    if (current?.generation === generation) stop();
  };
  controller.on('spawned', onSpawned);
  controller.on('exit', onGone);
  controller.on('stopRequested', onGone);
  return () => {
    stop();
    controller.off('spawned', onSpawned);
    controller.off('exit', onGone);
    controller.off('stopRequested', onGone);
  };
}
