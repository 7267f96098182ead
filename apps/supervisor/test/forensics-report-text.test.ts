import { describe, expect, it } from '@jest/globals';
import type { OutputLine } from '@mpm/child';
import type { HangReport } from '@mpm/recovery';
import { ForensicsError } from '../src/forensics/cdp-session.js';
import { debuggerUrlFrom } from '../src/forensics/debugger-url.js';
import { framesOf, MAX_FRAMES } from '../src/forensics/frames.js';
import { hangReportFields } from '../src/forensics/hang-log.js';
import { describeHangReport, hangHeadline } from '../src/forensics/hang-text.js';
import { hideInspectorId } from '../src/forensics/inspector-lines.js';
import { hangSummaryOf } from '../src/status-command/hang-summary.js';

const APP = 'file:///srv/app/dist/faults.js';

/** A Debugger.paused event's params, as Node 20 sends them: frame urls empty, locations 0-based. */
function paused(count: number): unknown {
  const callFrames = Array.from({ length: count }, (_, index) => ({
    callFrameId: String(index),
    functionName: index === 0 ? 'blockForever' : index === 1 ? '' : `caller${index}`,
    location: { scriptId: index < 2 ? '81' : '13', lineNumber: 29 + index, columnNumber: 4 },
    url: '',
    scopeChain: [],
  }));
  return { callFrames, reason: 'other' };
}
const SCRIPTS = new Map([
  ['81', APP],
  ['13', 'node:internal/timers'],
]);

const STACK: HangReport = {
  kind: 'stack',
  frames: [
    { functionName: 'blockForever', url: APP, line: 30, column: 5 },
    { functionName: '', url: APP, line: 27, column: 62 },
  ],
  depth: 5,
  tookMs: 125,
};
const PROC: HangReport = { kind: 'proc', state: 'S (sleeping)', wchan: 'do_epoll_wait', syscall: 'epoll_pwait (281)', why: 'not a Node process (/usr/bin/python3.11)', tookMs: 2 };

describe('the frames of a paused event', () => {
  it('are innermost first, 1-based, with the URL of their script, and capped', () => {
    const { frames, depth } = framesOf(paused(12), SCRIPTS);
    expect(depth).toBe(12);
    expect(frames).toHaveLength(MAX_FRAMES);
    expect(frames.slice(0, 3)).toEqual([
      { functionName: 'blockForever', url: APP, line: 30, column: 5 },
      { functionName: '', url: APP, line: 31, column: 5 },
      { functionName: 'caller2', url: 'node:internal/timers', line: 32, column: 5 },
    ]);
    expect(framesOf(paused(3), new Map()).frames[0]).toEqual({ functionName: 'blockForever', url: '', line: 30, column: 5 });
  });

  it("write a child's control characters out and cap long names", () => {
    const hostile = { callFrames: [{ functionName: `evil\u001b]0;pwned\u0007${'x'.repeat(500)}`, url: 'file:///a\r\nfake line', location: { scriptId: '9', lineNumber: 0 } }] };
    const [frame] = framesOf(hostile, new Map()).frames;
    expect(frame?.functionName.startsWith('evil\\x1b]0;pwned\\x07xxx')).toBe(true);
    expect(frame?.functionName).toHaveLength(200);
    expect(frame?.functionName.endsWith('…')).toBe(true);
    expect(frame?.url).toBe('file:///a\\r\\nfake line');
    expect(frame?.column).toBe(1);
  });

  it('are refused when the event has none, or a frame has no line', () => {
    for (const garbage of [null, 'paused', {}, { callFrames: [] }, { callFrames: {} }, { callFrames: [{ functionName: 'f', location: { lineNumber: -1 } }] }, { callFrames: [null] }]) {
      expect(() => framesOf(garbage, SCRIPTS)).toThrow(ForensicsError);
    }
  });
});

describe("the inspector's /json/list", () => {
  const list = (url: unknown): string => JSON.stringify([{ description: 'node.js instance', id: 'x', type: 'node', webSocketDebuggerUrl: url }]);

  it('gives the target path, rebuilt on the address that was asked', () => {
    expect(debuggerUrlFrom(list('ws://127.0.0.1:43255/61362db6-803f-4a28-b7e5-2ca1a9d028d0'), '127.0.0.1', 43255)).toBe('ws://127.0.0.1:43255/61362db6-803f-4a28-b7e5-2ca1a9d028d0');
    // An answer naming another host does not send the supervisor there.
    expect(debuggerUrlFrom(list('ws://evil.example:80/abc'), '127.0.0.1', 9)).toBe('ws://127.0.0.1:9/abc');
    expect(debuggerUrlFrom(list('ws://localhost/abc'), '::1', 9)).toBe('ws://[::1]:9/abc');
  });

  it('is refused when it is garbage', () => {
    const cases: Array<[string, string]> = [
      ['<html>', 'not JSON'],
      ['{"webSocketDebuggerUrl":"ws://127.0.0.1:1/a"}', 'not a list of targets'],
      ['[]', 'lists no target'],
      ['[{"id":1}]', 'lists no target'],
      [list('http://127.0.0.1:1/a'), 'not ws://host:port/id'],
      [list('ws://127.0.0.1:1/../../etc?x=1'), 'not ws://host:port/id'],
      [list('ws://127.0.0.1:1/a b'), 'not ws://host:port/id'],
    ];
    for (const [body, message] of cases) expect(() => debuggerUrlFrom(body, '127.0.0.1', 1)).toThrow(message);
  });
});

describe('a hang report in words', () => {
  it('names where the stack is blocked, then its callers, then how many more', () => {
    expect(hangHeadline(STACK)).toBe(`blocked in blockForever (${APP}:30:5)`);
    expect(describeHangReport(STACK)).toBe(`blocked in blockForever (${APP}:30:5) ← <anonymous> (${APP}:27:62) ← 3 more`);
    expect(describeHangReport({ ...STACK, frames: [{ functionName: 'f', url: '', line: 1, column: 2 }], depth: 1 })).toBe('blocked in f (line 1:2)');
  });

  it('says why there is no stack and what /proc says, or why there is nothing', () => {
    expect(describeHangReport(PROC)).toBe('not a Node process (/usr/bin/python3.11); /proc: S (sleeping), wchan do_epoll_wait, syscall epoll_pwait (281)');
    expect(hangHeadline({ ...PROC, wchan: null, syscall: null })).toBe('S (sleeping), no wchan, syscall unreadable');
    expect(describeHangReport({ kind: 'unavailable', reason: 'process 4242 is gone', tookMs: 0 })).toBe('no hang report: process 4242 is gone');
  });

  it('is logged with the report as fields', () => {
    expect(hangReportFields({ report: STACK, childPid: 4242, generation: 3 })).toEqual({
      event: 'hang_report',
      kind: 'stack',
      childPid: 4242,
      generation: 3,
      tookMs: 125,
      frames: STACK.frames,
      depth: 5,
    });
    expect(hangReportFields({ report: PROC, childPid: 7, generation: 1 })).toMatchObject({
      kind: 'proc',
      proc: { state: 'S (sleeping)', wchan: 'do_epoll_wait', syscall: 'epoll_pwait (281)' },
      why: PROC.kind === 'proc' ? PROC.why : '',
    });
  });

  it("is read back from another supervisor's /diagnostics without trusting it", () => {
    expect(hangSummaryOf(JSON.parse(JSON.stringify(STACK)))).toBe(`blocked in blockForever (${APP}:30:5)`);
    expect(hangSummaryOf(PROC)).toBe('not a Node process (/usr/bin/python3.11); /proc: S (sleeping), wchan do_epoll_wait, syscall epoll_pwait (281)');
    expect(hangSummaryOf({ kind: 'unavailable', reason: 'gone' })).toBe('no hang report: gone');
    for (const garbage of [undefined, null, 'stack', [], { kind: 'stack' }, { kind: 'stack', frames: [{ functionName: 1 }] }, { kind: 'proc' }, { kind: 'other' }]) {
      expect(hangSummaryOf(garbage)).toBeNull();
    }
  });
});

describe("the child's inspector lines", () => {
  const line = (text: string, stream: 'stdout' | 'stderr' = 'stderr'): OutputLine => ({ stream, text, pid: 4242, generation: 1, cut: undefined });

  it("keep the port but not the inspector's id", () => {
    expect(hideInspectorId(line('Debugger listening on ws://127.0.0.1:43255/61362db6-803f-4a28-b7e5-2ca1a9d028d0')).text).toBe('Debugger listening on ws://127.0.0.1:43255/<id hidden>');
    expect(hideInspectorId(line('Debugger ending on ws://[::1]:9229/61362db6-803f-4a28-b7e5-2ca1a9d028d0')).text).toBe('Debugger ending on ws://[::1]:9229/<id hidden>');
  });

  it('leave every other line as it is', () => {
    for (const other of [line('Debugger attached.'), line('hello'), line('Debugger listening on ws://127.0.0.1:1/abc', 'stdout'), line('Debugger listening on ws://127.0.0.1:1/abc trailing')]) {
      expect(hideInspectorId(other)).toBe(other);
    }
  });
});
