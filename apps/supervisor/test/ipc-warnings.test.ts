import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { IpcWarnings } from '../src/health/ipc-warnings.js';

/** IpcWarnings with a real winston logger that keeps its records, and a clock the test moves. */
function warnings(): { ipc: IpcWarnings; records: Array<Record<string, unknown>>; clock: { now: number } } {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  const clock = { now: 1_000_000 };
  return { ipc: new IpcWarnings(logger, 3, () => clock.now), records, clock };
}

describe('IpcWarnings', () => {
  it('logs the first message of 8 invalid types, counts the rest, and says how many at the end', () => {
    const { ipc, records } = warnings();
    for (let index = 0; index < 1000; index += 1) ipc.invalid(`mpm:t${index % 20}`, 'unknown message type');
    expect(records.map((record) => record['type'])).toEqual(['mpm:t0', 'mpm:t1', 'mpm:t2', 'mpm:t3', 'mpm:t4', 'mpm:t5', 'mpm:t6', 'mpm:t7']);
    ipc.close();
    expect(records.at(-1)).toMatchObject({ level: 'warn', event: 'ipc_messages_suppressed', count: 1000 - 8 * 50, generation: 3 });
    ipc.close();
    expect(records).toHaveLength(9);
  });

  it('cuts a long type to 40 characters, so a type of a megabyte is a short line', () => {
    const { ipc, records } = warnings();
    ipc.invalid(`mpm:${'x'.repeat(1024 * 1024)}`, 'unknown message type');
    expect(records[0]!['type']).toBe(`mpm:${'x'.repeat(36)}…`);
    expect(JSON.stringify(records[0]).length).toBeLessThan(400);
  });

  it('writes the count once a minute while invalid messages keep coming', () => {
    const { ipc, records, clock } = warnings();
    for (let index = 0; index < 8; index += 1) ipc.invalid(`mpm:t${index}`, 'r');
    ipc.invalid('mpm:late', 'r');
    clock.now += 59_000;
    ipc.invalid('mpm:later', 'r');
    expect(records.filter((record) => record['event'] === 'ipc_messages_suppressed')).toEqual([]);
    clock.now += 2_000;
    ipc.invalid('mpm:latest', 'r');
    expect(records.at(-1)).toMatchObject({ event: 'ipc_messages_suppressed', count: 3 });
    expect(records.at(-1)!['message']).toBe('suppressed 3 invalid IPC messages of types not seen before from the child in the last 61s (8 types are logged per child)');
  });

  it('says once that the channel was closed for an oversized message, and once per child that lines are not JSON', () => {
    const { ipc, records } = warnings();
    ipc.trouble({ kind: 'not_json', sample: 'hello', bytes: 5 }, 42);
    ipc.trouble({ kind: 'not_json', sample: 'again', bytes: 5 }, 42);
    ipc.trouble({ kind: 'oversized', bytes: 2 * 1024 * 1024, limit: 1024 * 1024 }, 42);
    ipc.trouble({ kind: 'oversized', bytes: 3 * 1024 * 1024, limit: 1024 * 1024 }, 42);
    expect(records.map((record) => record['event'])).toEqual(['ipc_message_invalid', 'ipc_channel_closed']);
    expect(records[1]).toMatchObject({ reason: 'message_too_large', bytes: 2 * 1024 * 1024, limitBytes: 1024 * 1024, childPid: 42 });
  });
});
