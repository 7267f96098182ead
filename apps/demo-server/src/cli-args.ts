import { DemoConfigError } from './errors.js';

/**
 * How a flag takes its value: `value` needs one (`--tick 500` or `--tick=500`); `optional`
 * takes the next argument only if it is not another flag (`--spawn-grandchild [stubborn]`);
 * `bare` never takes the next argument (`--no-listen`, or `--no-listen=0`).
 */
export type FlagArity = 'value' | 'optional' | 'bare';

export interface FlagShape {
  readonly arity: FlagArity;
  readonly expected: string;
}

// What a flag given without a value means: switched on.
const BARE_VALUE = '1';

/**
 * Reads argv into flag → raw text, the last occurrence winning. It knows nothing of what
 * the values mean; `shapeOf` says which flags exist and how they take values.
 */
export function readFlags(argv: readonly string[], shapeOf: (flag: string) => FlagShape | undefined): Map<string, string> {
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (!arg.startsWith('--')) {
      throw new DemoConfigError(`unexpected argument ${JSON.stringify(arg)} (all settings are --flags)`, arg);
    }
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const shape = shapeOf(flag);
    if (shape === undefined) throw new DemoConfigError(`unknown flag ${flag}`, flag);
    if (equals !== -1) {
      flags.set(flag, arg.slice(equals + 1));
      continue;
    }
    const next = argv[index + 1];
    const nextIsValue = next !== undefined && !next.startsWith('--');
    if (shape.arity === 'value' && !nextIsValue) {
      throw new DemoConfigError(`flag ${flag} needs a value: expected ${shape.expected}`, flag);
    }
    if (shape.arity !== 'bare' && nextIsValue) {
      flags.set(flag, next);
      index += 1;
    } else {
      flags.set(flag, BARE_VALUE);
    }
  }
  return flags;
}
