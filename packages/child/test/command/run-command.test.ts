import { describe, expect, it } from '@jest/globals';
import { OutputHead, OutputTail, runCommand, type CommandOptions } from '../../src/index.js';

// The runner with real processes (node -e); the hooks' and the exec checks' own tests go
// through it with their fixtures (timeouts with a grace, escaped processes, floods).

function run(script: string, over: Partial<CommandOptions> = {}): ReturnType<typeof runCommand> {
  return runCommand({
    command: process.execPath,
    args: ['-e', script],
    cwd: process.cwd(),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    timeoutMs: 20_000,
    killGraceMs: 0,
    signal: new AbortController().signal,
    keep: { part: 'tail', bytes: 64 },
    ...over,
  });
}

describe('runCommand', () => {
  it('tells how the command ended, as data', async () => {
    expect((await run('process.exit(3)')).end).toEqual({ kind: 'exited', code: 3 });
    expect((await run("process.kill(process.pid, 'SIGTERM')")).end).toEqual({ kind: 'killed', signal: 'SIGTERM' });
    expect((await run('', { command: '/nonexistent/program' })).end).toEqual({ kind: 'not_started', code: 'ENOENT' });
  });

  it('without input, closes stdin at once; with it, writes it and closes it', async () => {
    const echo = "let s = ''; process.stdin.on('data', (c) => (s += c)).on('end', () => console.log(`[${s}]`))";
    expect((await run(echo)).stdout).toBe('[]\n');
    expect((await run(echo, { input: 'hello' })).stdout).toBe('[hello]\n');
  });

  it('at its timeout with no grace, SIGKILLs the group at once', async () => {
    const outcome = await run("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)", { timeoutMs: 300 });
    expect(outcome.end).toEqual({ kind: 'timed_out', signal: 'SIGKILL' });
    expect(outcome.durationMs).toBeLessThan(10_000);
  });

  it('keeps the head or the tail of each stream, as asked', async () => {
    const script = "process.stdout.write('a'.repeat(100) + 'z'.repeat(10))";
    expect((await run(script, { keep: { part: 'tail', bytes: 12 } })).stdout).toBe('aazzzzzzzzzz');
    expect((await run(script, { keep: { part: 'head', bytes: 4 } })).stdout).toBe('aaaa… (106 more bytes not kept)');
  });
});

describe('kept output', () => {
  it('keeps the head without a character cut in two, and the tail', () => {
    const head = new OutputHead(4);
    head.push(Buffer.from('abcé'));
    expect(head.text()).toBe('abc… (1 more bytes not kept)');
    const tail = new OutputTail(3);
    tail.push(Buffer.from('abcd'));
    tail.push(Buffer.from('e'));
    expect(tail.text()).toBe('cde');
    expect(tail.total).toBe(5);
  });
});
