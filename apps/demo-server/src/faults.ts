import { readFlags, type FlagArity, type FlagShape } from './cli-args.js';
import { invalidValue } from './errors.js';
import * as values from './values.js';
import type { GrandchildMode, ValueReader } from './values.js';

/** Every fault switch, resolved. Absent delays are undefined; absent rates and counts are 0. */
export interface Faults {
  readonly crashAfterMs: number | undefined;
  readonly blockAfterMs: number | undefined;
  readonly leakMbPerSec: number;
  readonly leakFdsPerSec: number;
  readonly ignoreSigterm: boolean;
  readonly spawnGrandchild: GrandchildMode;
  readonly printLines: number;
  readonly exitAtStart: number | undefined;
  readonly noListen: boolean;
  readonly sigstopAfterMs: number | undefined;
  readonly tickMs: number;
  readonly busyPercent: number;
  /** Obey `demo:fault` events from clients (crash, block, leak at a chosen moment). */
  readonly faultEvents: boolean;
  /** Print a numbered line `demo-count N` this often; undefined prints none. */
  readonly countEveryMs: number | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

interface SwitchSpec<T> {
  readonly env: string;
  readonly flag: string;
  readonly arity: FlagArity;
  readonly reader: ValueReader<T>;
}

type SwitchTable = { readonly [K in keyof Faults]: SwitchSpec<NonNullable<Faults[K]>> };

export const DEFAULT_FAULTS: Faults = Object.freeze({
  crashAfterMs: undefined,
  blockAfterMs: undefined,
  leakMbPerSec: 0,
  leakFdsPerSec: 0,
  ignoreSigterm: false,
  spawnGrandchild: 'off',
  printLines: 0,
  exitAtStart: undefined,
  noListen: false,
  sigstopAfterMs: undefined,
  tickMs: 10_000,
  busyPercent: 0,
  faultEvents: false,
  countEveryMs: undefined,
});

// The one table of switches: each has a variable and an equivalent flag.
const SWITCHES: SwitchTable = {
  crashAfterMs: { env: 'DEMO_CRASH_AFTER_MS', flag: '--crash-after', arity: 'value', reader: values.delayMs },
  blockAfterMs: { env: 'DEMO_BLOCK_AFTER_MS', flag: '--block-after', arity: 'value', reader: values.delayMs },
  leakMbPerSec: { env: 'DEMO_LEAK_MB_PER_SEC', flag: '--leak-mb-per-sec', arity: 'value', reader: values.ratePerSecond },
  leakFdsPerSec: { env: 'DEMO_LEAK_FDS_PER_SEC', flag: '--leak-fds-per-sec', arity: 'value', reader: values.ratePerSecond },
  ignoreSigterm: { env: 'DEMO_IGNORE_SIGTERM', flag: '--ignore-sigterm', arity: 'bare', reader: values.onOff },
  spawnGrandchild: { env: 'DEMO_SPAWN_GRANDCHILD', flag: '--spawn-grandchild', arity: 'optional', reader: values.grandchildMode },
  printLines: { env: 'DEMO_PRINT_LINES', flag: '--print-lines', arity: 'value', reader: values.lineCount },
  exitAtStart: { env: 'DEMO_EXIT_AT_START', flag: '--exit-at-start', arity: 'value', reader: values.exitCode },
  noListen: { env: 'DEMO_NO_LISTEN', flag: '--no-listen', arity: 'bare', reader: values.onOff },
  sigstopAfterMs: { env: 'DEMO_SIGSTOP_AFTER_MS', flag: '--sigstop-after', arity: 'value', reader: values.delayMs },
  tickMs: { env: 'DEMO_TICK_MS', flag: '--tick', arity: 'value', reader: values.intervalMs },
  busyPercent: { env: 'DEMO_BUSY_PERCENT', flag: '--busy-percent', arity: 'value', reader: values.busyPercent },
  faultEvents: { env: 'DEMO_FAULT_EVENTS', flag: '--fault-events', arity: 'bare', reader: values.onOff },
  countEveryMs: { env: 'DEMO_COUNT_EVERY_MS', flag: '--count-every', arity: 'value', reader: values.intervalMs },
};

const SHAPE_BY_FLAG: ReadonlyMap<string, FlagShape> = new Map(Object.values(SWITCHES).map((spec: SwitchSpec<unknown>) => [spec.flag, { arity: spec.arity, expected: spec.reader.expected }]));

/**
 * Resolves the fault switches from argv (without node and script) and the environment.
 * A flag wins over its variable; an empty variable counts as unset. Throws a
 * DemoConfigError naming the first bad switch.
 */
export function parseFaults(argv: readonly string[], env: Environment): Faults {
  const flags = readFlags(argv, (flag) => SHAPE_BY_FLAG.get(flag));
  const resolve = <K extends keyof Faults>(key: K): Faults[K] => {
    const spec = SWITCHES[key];
    const fromFlag = flags.get(spec.flag);
    const fromEnv = env[spec.env]?.trim() === '' ? undefined : env[spec.env];
    const raw = fromFlag ?? fromEnv;
    if (raw === undefined) return DEFAULT_FAULTS[key];
    const value = spec.reader.read(raw);
    if (value === undefined) {
      throw invalidValue(fromFlag === undefined ? spec.env : spec.flag, raw, spec.reader.expected);
    }
    return value;
  };
  return Object.freeze({
    crashAfterMs: resolve('crashAfterMs'),
    blockAfterMs: resolve('blockAfterMs'),
    leakMbPerSec: resolve('leakMbPerSec'),
    leakFdsPerSec: resolve('leakFdsPerSec'),
    ignoreSigterm: resolve('ignoreSigterm'),
    spawnGrandchild: resolve('spawnGrandchild'),
    printLines: resolve('printLines'),
    exitAtStart: resolve('exitAtStart'),
    noListen: resolve('noListen'),
    sigstopAfterMs: resolve('sigstopAfterMs'),
    tickMs: resolve('tickMs'),
    busyPercent: resolve('busyPercent'),
    faultEvents: resolve('faultEvents'),
    countEveryMs: resolve('countEveryMs'),
  });
}
