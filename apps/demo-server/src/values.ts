/**
 * Readers for the text of one switch. `read` returns undefined when the text is not valid,
 * so the caller, which knows whether it came from a flag or a variable, names it in the
 * message; `expected` is the end of that message.
 */
export interface ValueReader<T> {
  readonly expected: string;
  readonly read: (raw: string) => T | undefined;
}

// setTimeout treats anything above 2^31-1 as 1 ms, so a larger delay would fire at once.
const MAX_TIMER_MS = 2_147_483_647;
const WHOLE = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;
const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

function wholeNumber(min: number, max: number, expected: string): ValueReader<number> {
  return {
    expected,
    read: (raw) => {
      const text = raw.trim();
      if (!WHOLE.test(text)) return undefined;
      const value = Number(text);
      return value >= min && value <= max ? value : undefined;
    },
  };
}

export const delayMs = wholeNumber(0, MAX_TIMER_MS, `a whole number of milliseconds (0 to ${MAX_TIMER_MS})`);

export const intervalMs = wholeNumber(1, MAX_TIMER_MS, `a whole number of milliseconds (1 to ${MAX_TIMER_MS})`);

export const lineCount = wholeNumber(0, Number.MAX_SAFE_INTEGER, 'a whole number of lines (0 or more)');

export const exitCode = wholeNumber(0, 255, 'an exit code (a whole number 0 to 255)');

/** The share of each slice the busy switch spins; 0 (off) is the default, not a value to give. */
export const busyPercent = wholeNumber(1, 95, 'a whole percentage of CPU time (1 to 95)');

export const port = wholeNumber(0, 65_535, 'a port number (0 to 65535; 0 picks a free port)');

export const ratePerSecond: ValueReader<number> = {
  expected: 'a number per second (0 or more, e.g. 5 or 0.5)',
  read: (raw) => {
    const text = raw.trim();
    return DECIMAL.test(text) ? Number(text) : undefined;
  },
};

export const onOff: ValueReader<boolean> = {
  expected: '1 or 0 (or true/false)',
  read: (raw) => {
    const text = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(text)) return true;
    return FALSE_WORDS.has(text) ? false : undefined;
  },
};

export type GrandchildMode = 'off' | 'plain' | 'stubborn';

export const grandchildMode: ValueReader<GrandchildMode> = {
  expected: '1, "stubborn" or 0',
  read: (raw) => {
    const text = raw.trim().toLowerCase();
    if (text === 'stubborn') return 'stubborn';
    const on = onOff.read(text);
    if (on === undefined) return undefined;
    return on ? 'plain' : 'off';
  },
};
