import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { waitUntil } from '../../../test/helpers/wait.js';
import type { CommandIO } from '../src/commands/io.js';
import { runLogs } from '../src/commands/logs.js';
import { ExitCode } from '../src/exit-codes.js';
import type { LogsRequest, LookupRequest } from '../src/program.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-logs-command-'));
  file = join(dir, 'app.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture(): CommandIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    writeOut: (text: string) => void (io.out += text),
    writeErr: (text: string) => void (io.err += text),
    stdoutIsTTY: false,
    env: {},
    cwd: dir,
  };
  return io;
}

const lookup: LookupRequest = { name: null, stateDir: null, configFile: null };

function request(overrides: Partial<LogsRequest> = {}): LogsRequest {
  return { lines: 50, follow: false, source: null, json: false, file, ...overrides };
}

function record(message: string, source: 'child' | 'supervisor' = 'child'): string {
  return `${JSON.stringify({ timestamp: '2026-01-02T03:04:05.678Z', level: 'info', source, stream: 'stdout', pid: 9, message })}\n`;
}

describe('runLogs', () => {
  it('prints the last lines readable, and a line that is not JSON as it is', async () => {
    writeFileSync(file, `${record('one')}garbage\n${record('two')}${record('three')}`);
    const io = capture();
    expect(await runLogs(lookup, request({ lines: 3 }), io)).toBe(ExitCode.ok);
    expect(io.out).toBe('garbage\n03:04:05.678 info  child[9] out two\n03:04:05.678 info  child[9] out three\n');
    expect(io.err).toBe('');
  });

  it('follows with -f until its signal aborts, printing only whole lines, then exits 0', async () => {
    writeFileSync(file, `${record('before')}${record('unfinished').slice(0, 20)}`);
    const io = capture();
    const controller = new AbortController();
    const running = runLogs(lookup, request({ follow: true, json: true }), io, controller.signal, { pollMs: 20 });
    await waitUntil(() => io.out.includes('before'), { what: 'the last lines' });
    appendFileSync(file, `${record('unfinished').slice(20)}${record('after')}`);
    await waitUntil(() => io.out.includes('"after"'), { what: 'the appended lines' });
    controller.abort();
    expect(await running).toBe(ExitCode.ok);
    expect(io.out).toBe(`${record('before')}${record('unfinished')}${record('after')}`);
  });

  it('reports a missing file as one line with exit 78', async () => {
    const io = capture();
    expect(await runLogs(lookup, request(), io)).toBe(ExitCode.config);
    expect(io.err).toBe(`mpm-supervise: cannot read log file ${file}: no such file\n`);
    expect(io.out).toBe('');
  });
});
