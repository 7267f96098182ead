import { describe, expect, it } from '@jest/globals';
import { prettyLine } from '../src/logging/formats.js';
import { MESSAGE } from '../src/logging/record.js';
import { parseLogLine } from '../src/logs/log-line.js';
import { lineRenderer } from '../src/logs/render.js';

const childLine = JSON.stringify({ timestamp: '2026-01-02T03:04:05.678Z', level: 'info', source: 'child', stream: 'stderr', pid: 4242, message: 'hello there' });
const eventLine = JSON.stringify({
  timestamp: '2026-01-02T03:04:05.900Z',
  level: 'warn',
  source: 'supervisor',
  pid: 7,
  message: 'child 4242 exited with code 1',
  event: 'child_exited',
  childPid: 4242,
  exitCode: 1,
});
const ESC = '\u001b[';

describe('lineRenderer', () => {
  it("renders a record as the supervisor's own pretty line: time, level, source and pid, message, extras", () => {
    const render = lineRenderer({ json: false, colors: false });
    expect(render(parseLogLine(childLine))).toBe('03:04:05.678 info  child[4242] err hello there');
    expect(render(parseLogLine(eventLine))).toBe('03:04:05.900 warn  supervisor child 4242 exited with code 1  childPid=4242 exitCode=1');
  });

  it('colours the level only when asked (stdout is a terminal), as the supervisor does', () => {
    expect(lineRenderer({ json: false, colors: false })(parseLogLine(eventLine))).not.toContain(ESC);
    expect(lineRenderer({ json: true, colors: true })(parseLogLine(eventLine))).not.toContain(ESC);
    const coloured = lineRenderer({ json: false, colors: true })(parseLogLine(eventLine));
    // Whether winston colours at all depends on the terminal (TERM, FORCE_COLOR): the same as the supervisor's own line.
    const supervisors = prettyLine(true).transform(JSON.parse(eventLine) as Record<string, unknown> & { level: string; message: unknown }, {});
    expect(coloured).toBe((supervisors as unknown as Record<symbol, unknown>)[MESSAGE]);
    expect(coloured.replaceAll(/\u001b\[\d+m/g, '')).toBe('03:04:05.900 warn  supervisor child 4242 exited with code 1  childPid=4242 exitCode=1');
  });

  it('gives the line exactly as in the file with --json', () => {
    const spaced = '{ "level": "info",  "message": "x", "timestamp": "2026-01-02T03:04:05.678Z" }';
    const render = lineRenderer({ json: true, colors: false });
    expect(render(parseLogLine(childLine))).toBe(childLine);
    expect(render(parseLogLine(spaced))).toBe(spaced);
  });

  it('prints lines that are not log records as they are, and never throws', () => {
    const render = lineRenderer({ json: false, colors: true });
    for (const text of ['plain text', '{"half": ', '[1,2,3]', 'null', '{"no":"level"}', '', '{"level":{"odd":true},"message":1}']) {
      expect(render(parseLogLine(text))).toBe(text);
    }
    // A level winston has no colour for falls back to an uncoloured line.
    expect(render(parseLogLine('{"timestamp":"2026-01-02T03:04:05.678Z","level":"loud","source":"supervisor","message":"m"}'))).toBe('03:04:05.678 loud  supervisor m');
  });

  it('shows control characters anywhere in a line as escapes; the colour of the level is the only escape sequence left', () => {
    const hostile = JSON.stringify({
      timestamp: '2026-01-02T03:04\u001b[2J.678Z',
      level: 'warn',
      source: 'child',
      stream: 'stdout',
      pid: '42\u001b]0;x\u0007',
      message: 'clear\u001b[2J fake\rline \u009b31m \u202eevil',
      'key\u001b[1m': 'value\u009bno-space\u202e',
    });
    for (const colors of [false, true]) {
      const render = lineRenderer({ json: false, colors });
      const line = render(parseLogLine(hostile));
      expect(line.replace(/^(\S+ )\u001b\[\d+m(warn *)\u001b\[39m/, '$1$2')).toBe(
        '03:04\\x1b[2J.67 warn  child[42\\x1b]0;x\\x07] out clear\\x1b[2J fake\\rline \\u009b31m \\u202eevil  key\\x1b[1m=value\\u009bno-space\\u202e',
      );
      expect(render(parseLogLine('plain \u001b[2J\u0085\u2066 text'))).toBe('plain \\x1b[2J\\u0085\\u2066 text');
      expect(render(parseLogLine('{"level":"lo\\u001bud","message":"m\\u009b"}'))).not.toMatch(/[\u001b\u009b]/);
    }
    // --json: the line exactly as in the file.
    expect(lineRenderer({ json: true, colors: true })(parseLogLine(hostile))).toBe(hostile);
  });
});
