import { describe, expect, it } from '@jest/globals';
import { visible } from '../src/visible-text.js';

describe('visible', () => {
  it('gives text without control characters back as it is, tab and any script included', () => {
    for (const text of ['', 'line 0000001', 'tab\tstays', 'café ↺ 日本語 😀 ≥ …', '\\x1b is already a backslash']) expect(visible(text)).toBe(text);
  });

  it('writes C0 controls and DEL as \\xNN, with \\r and \\n by name', () => {
    expect(visible('\u001b[2J\u001b]0;title\u0007')).toBe('\\x1b[2J\\x1b]0;title\\x07');
    expect(visible('a\rb\nc\bd\u0000e\u000b\u000c\u001f\u007f')).toBe('a\\rb\\nc\\x08d\\x00e\\x0b\\x0c\\x1f\\x7f');
  });

  it('writes C1 controls and the bidi controls as \\uNNNN', () => {
    expect(visible('\u0080\u0085\u009b2J\u009f')).toBe('\\u0080\\u0085\\u009b2J\\u009f');
    expect(visible('\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c')).toBe('\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c');
    // Characters right beside those ranges are ordinary text.
    expect(visible('\u00a0\u2029\u202f\u2065\u206a')).toBe('\u00a0\u2029\u202f\u2065\u206a');
  });
});
