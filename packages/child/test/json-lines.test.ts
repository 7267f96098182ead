import { describe, expect, it } from '@jest/globals';
import { JsonLineReader, type JsonLineTrouble } from '../src/index.js';

function collect(maxMessageBytes?: number): { reader: JsonLineReader; messages: unknown[]; troubles: JsonLineTrouble[] } {
  const messages: unknown[] = [];
  const troubles: JsonLineTrouble[] = [];
  const reader = new JsonLineReader({ message: (value) => messages.push(value), trouble: (trouble) => troubles.push(trouble) }, maxMessageBytes);
  return { reader, messages, troubles };
}

describe('JsonLineReader', () => {
  it('reads messages split anywhere across chunks, several per chunk', () => {
    const { reader, messages, troubles } = collect();
    const wire = Buffer.from('{"type":"mpm:ready","port":80}\n{"type":"mpm:pong","id":1}\n"é"\n');
    const cuts = [0, 3, 17, 31, 32, 50, 60, wire.length];
    for (let index = 1; index < cuts.length; index += 1) reader.push(wire.subarray(cuts[index - 1], cuts[index]));
    expect(messages).toEqual([{ type: 'mpm:ready', port: 80 }, { type: 'mpm:pong', id: 1 }, 'é']);
    expect(troubles).toEqual([]);
  });

  it('reports a line that is not JSON with its head, skips blank lines, and reads on', () => {
    const { reader, messages, troubles } = collect();
    reader.push(Buffer.from(`\nnot json ${'x'.repeat(100)}\n\n{"ok":true}\n`));
    expect(troubles).toEqual([{ kind: 'not_json', sample: `not json ${'x'.repeat(51)}`, bytes: 109 }]);
    expect(messages).toEqual([{ ok: true }]);
  });

  it('never holds more than the limit for a line without an end, and stops for good past it', () => {
    const { reader, messages, troubles } = collect(1024);
    reader.push(Buffer.from('{"a":1}\n'));
    for (let index = 0; index < 3; index += 1) reader.push(Buffer.alloc(400, 0x61));
    expect(troubles).toEqual([{ kind: 'oversized', bytes: 1200, limit: 1024 }]);
    expect(reader.stopped).toBe(true);
    expect(reader.bufferedBytes).toBe(0);
    reader.push(Buffer.from('\n{"b":2}\n'));
    expect(messages).toEqual([{ a: 1 }]);
    expect(troubles).toHaveLength(1);
  });

  it('takes a line of exactly the limit', () => {
    const { reader, messages, troubles } = collect(10);
    reader.push(Buffer.from('"12345678"\n'));
    expect(messages).toEqual(['12345678']);
    expect(troubles).toEqual([]);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => collect(0)).toThrow('maxMessageBytes must be a positive integer, got 0');
  });
});
